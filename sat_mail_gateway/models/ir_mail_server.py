from odoo import fields, models


class IrMailServer(models.Model):
    _inherit = "ir.mail_server"

    sat_partner_id = fields.Many2one(
        "res.partner",
        string="Support Mailbox of",
        index="btree_not_null",
        readonly=True,
    )

    def _find_mail_server(self, email_from, mail_servers=None):
        """A customer's server never takes part in Odoo's choice of a server: it
        would carry the company's invoices, other customers' mails and password
        reset links whenever no other server matches. Only the mails of that
        customer's cases name it (see ``mail.mail``)."""
        if mail_servers is None:
            mail_servers = self.sudo().search(
                [("sat_partner_id", "=", False)], order="sequence"
            )
        else:
            mail_servers = mail_servers.filtered(
                lambda server: not server.sat_partner_id
            )
        return super()._find_mail_server(email_from, mail_servers=mail_servers)
