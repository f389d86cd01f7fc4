from flask import Blueprint

bp = Blueprint("leads", __name__, url_prefix="/leads")

# Routes are attached when the app factory imports .views. Not importing it here
# keeps "import crm.leads.models" free of other features' models, which would
# make the model imports circular.
