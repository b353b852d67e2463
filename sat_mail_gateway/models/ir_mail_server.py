from odoo import fields, models


class IrMailServer(models.Model):
    _inherit = "ir.mail_server"

    sat_partner_id = fields.Many2one(
        "res.partner",
        string="Support Mailbox of",
        index="btree_not_null",
        readonly=True,
    )
