from flask import Blueprint

bp = Blueprint("meetings", __name__, url_prefix="/meetings")

# Routes are attached when the app factory imports .views. Not importing it here
# keeps "import crm.meetings.models" free of other features' models, which would
# make the model imports circular.
