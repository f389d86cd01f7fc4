"""Contact pages. The Contact model lives with Company in ``crm/companies/models.py``."""

from flask import Blueprint

bp = Blueprint("contacts", __name__, url_prefix="/contacts")

# Routes are attached when the app factory imports .views. Not importing it here
# keeps "import crm.contacts.models" free of other features' models, which would
# make the model imports circular.
