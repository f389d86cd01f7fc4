from flask import Blueprint

# No url_prefix: the blueprint serves /tasks/... and the generic POST /notes.
bp = Blueprint("tasks", __name__)

# Routes are attached when the app factory imports .views. Not importing it here
# keeps "import crm.tasks.models" free of other features' models, which would
# make the model imports circular.
