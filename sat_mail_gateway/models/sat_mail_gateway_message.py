from odoo import fields, models


class SatMailGatewayMessage(models.Model):
    """One row per Message-Id taken by the gateway. The unique index is what makes
    two workers fetching the same mail at once create one case: the second insert
    waits for the first transaction and then fails."""

    _name = "sat.mail.gateway.message"
    _description = "Support Mail Received"
    _log_access = False

    message_id = fields.Char(required=True, index=True)

    _sql_constraints = [
        ("message_id_uniq", "UNIQUE(message_id)", "This mail was already received."),
    ]
