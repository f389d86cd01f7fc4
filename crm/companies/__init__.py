from flask import Blueprint

bp = Blueprint("companies", __name__, url_prefix="/companies")

# Routes are attached when the app factory imports .views. Not importing it here
# keeps "import crm.companies.models" free of other features' models, which would
# make the model imports circular.
