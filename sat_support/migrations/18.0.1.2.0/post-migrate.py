from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """The solved stage asks the customer to rate the service, as on a new install
    (stages are not updated once installed)."""
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    stage = env.ref("sat_support.sat_case_stage_closed", raise_if_not_found=False)
    if stage and not stage.rating_template_id:
        stage.rating_template_id = env.ref("sat_support.mail_template_case_rating")
