from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """Round robin counts each team's turns with a sequence of its own."""
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["sat.team"].with_context(active_test=False).search(
        []
    )._create_round_robin_sequences()
