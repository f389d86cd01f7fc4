from flask import Blueprint

bp = Blueprint("events", __name__, url_prefix="/events")

# Routes are attached when the app factory imports .views. Not importing it here
# keeps "import crm.events.models" free of other features' models, which would
# make the model imports circular.
