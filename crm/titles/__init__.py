from flask import Blueprint

bp = Blueprint("titles", __name__, url_prefix="/titles")

# Routes are attached when the app factory imports .views. Not importing it here
# keeps "import crm.titles.models" free of other features' models, which would
# make the model imports circular.
