import re

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import (
    email_domain_extract,
    email_normalize,
    email_split,
    exception_to_unicode,
)

SYSTEM = "base.group_system"
FULL_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def error_text(error):
    """What a server answered, readable: imaplib puts the answer's bytes in its
    exceptions, which would show as b'...'."""
    if error.args and all(isinstance(arg, bytes) for arg in error.args):
        return " ".join(arg.decode("utf-8", "replace") for arg in error.args)
    return exception_to_unicode(error)


MAILBOX_FIELDS = {
    "sat_mailbox_email",
    "sat_imap_host",
    "sat_imap_port",
    "sat_imap_security",
    "sat_imap_user",
    "sat_imap_password",
    "sat_imap_folder",
    "sat_smtp_host",
    "sat_smtp_port",
    "sat_smtp_encryption",
    "sat_smtp_user",
    "sat_smtp_password",
    "active",
}


class ResPartner(models.Model):
    _inherit = "res.partner"

    sat_mailbox_email = fields.Char(
        string="Support Address",
        groups="sat_support.group_sat_manager",
        help="The customer's own support address (e.g. sat.acme@example.com): every "
        "mail it receives becomes a case of this customer, and the case's mails leave "
        "from it.",
    )
    # Incoming: an Odoo fetchmail.server kept in sync from these fields.
    sat_imap_host = fields.Char(string="IMAP Server", groups=SYSTEM)
    sat_imap_port = fields.Integer(string="IMAP Port", default=993, groups=SYSTEM)
    sat_imap_security = fields.Selection(
        [("none", "None"), ("ssl", "SSL/TLS"), ("starttls", "STARTTLS")],
        string="IMAP Security",
        default="ssl",
        groups=SYSTEM,
    )
    sat_imap_user = fields.Char(string="IMAP Login", groups=SYSTEM)
    sat_imap_password = fields.Char(string="IMAP Password", groups=SYSTEM)
    sat_imap_folder = fields.Char(string="IMAP Folder", default="INBOX", groups=SYSTEM)
    # Outgoing: an Odoo ir.mail_server kept in sync from these fields.
    sat_smtp_host = fields.Char(string="SMTP Server", groups=SYSTEM)
    sat_smtp_port = fields.Integer(string="SMTP Port", default=587, groups=SYSTEM)
    sat_smtp_encryption = fields.Selection(
        [("none", "None"), ("starttls", "STARTTLS"), ("ssl", "SSL/TLS")],
        string="SMTP Security",
        default="starttls",
        groups=SYSTEM,
    )
    sat_smtp_user = fields.Char(string="SMTP Login", groups=SYSTEM)
    sat_smtp_password = fields.Char(string="SMTP Password", groups=SYSTEM)
    sat_fetchmail_server_id = fields.Many2one(
        "fetchmail.server", string="Incoming Server", readonly=True, groups=SYSTEM
    )
    sat_mail_server_id = fields.Many2one(
        "ir.mail_server", string="Outgoing Server", readonly=True, groups=SYSTEM
    )
    # What the last fetch did: kept on the server, whose row the fetch holds.
    sat_last_fetch_date = fields.Datetime(
        related="sat_fetchmail_server_id.sat_last_fetch_date",
        groups="sat_support.group_sat_manager",
    )
    sat_last_fetch_count = fields.Integer(
        related="sat_fetchmail_server_id.sat_last_fetch_count",
        groups="sat_support.group_sat_manager",
    )
    sat_last_fetch_error = fields.Text(
        related="sat_fetchmail_server_id.sat_last_fetch_error",
        groups="sat_support.group_sat_manager",
    )

    @api.constrains("sat_mailbox_email")
    def _check_sat_mailbox_email(self):
        """The support address is one full address of the customer's own: the
        customer's SMTP server is chosen by it, so a domain or one of the company's
        addresses would send the company's mail through the customer's server."""
        partners = self.sudo().filtered("sat_mailbox_email")
        own_domains = self._sat_own_domains() if partners else set()
        for partner in partners:
            address = partner.sat_mailbox_email.strip()
            normalized = email_normalize(address, strict=True)
            if (
                not normalized
                or not FULL_ADDRESS.match(normalized)
                or len(email_split(address)) != 1
            ):
                raise ValidationError(
                    self.env._(
                        "The support address of %(customer)s must be one full e-mail "
                        "address (e.g. sat.acme@example.com), not %(address)s.",
                        customer=partner.display_name,
                        address=address,
                    )
                )
            if email_domain_extract(normalized) in own_domains:
                raise ValidationError(
                    self.env._(
                        "%(address)s is an address of your own company's domain: a "
                        "customer's support address must be on the customer's mail "
                        "server.",
                        address=address,
                    )
                )
            other = self.sudo().search(
                [
                    ("id", "!=", partner.id),
                    ("sat_mailbox_email", "=ilike", normalized),
                ],
                limit=1,
            )
            if other:
                raise ValidationError(
                    self.env._(
                        "%(address)s is already the support address of %(customer)s.",
                        address=address,
                        customer=other.display_name,
                    )
                )

    @api.model
    def _sat_own_domains(self):
        companies = self.env["res.company"].sudo().search([])
        addresses = companies.mapped("email") + [
            self.env["ir.mail_server"]._get_default_from_address() or ""
        ]
        domains = {email_domain_extract(email_normalize(a) or "") for a in addresses}
        domains |= set(self.env["mail.alias.domain"].sudo().search([]).mapped("name"))
        return {domain.lower() for domain in domains if domain}

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("sat_mailbox_email"):
                vals["sat_mailbox_email"] = vals["sat_mailbox_email"].strip().lower()
        partners = super().create(vals_list)
        with_mailbox = [
            partner
            for partner, vals in zip(partners, vals_list, strict=True)
            if vals.get("sat_imap_host") or vals.get("sat_smtp_host")
        ]
        self.browse().union(*with_mailbox)._sat_sync_servers()
        return partners

    def write(self, vals):
        if vals.get("sat_mailbox_email"):
            vals = {
                **vals,
                "sat_mailbox_email": vals["sat_mailbox_email"].strip().lower(),
            }
        res = super().write(vals)
        if MAILBOX_FIELDS.intersection(vals):
            self._sat_sync_servers()
        return res

    # ------------------------------------------------------------------ servers
    def _sat_sync_servers(self):
        """Creates, updates or deactivates the fetchmail.server and ir.mail_server."""
        model = self.env["ir.model"]._get("sat.case")
        for partner in self.sudo():
            incoming = (
                partner.active and partner.sat_imap_host and partner.sat_imap_user
            )
            values = (
                partner._sat_fetchmail_values(model) if incoming else {"active": False}
            )
            partner._sat_upsert("sat_fetchmail_server_id", "fetchmail.server", values)
            outgoing = partner.active and partner.sat_smtp_host
            values = (
                partner._sat_mail_server_values() if outgoing else {"active": False}
            )
            partner._sat_upsert("sat_mail_server_id", "ir.mail_server", values)

    def _sat_upsert(self, fname, model, values):
        server = self.with_context(active_test=False)[fname]
        if server:
            server.write(values)
        elif values.get("active", True):
            self[fname] = self.env[model].create(values)

    def _sat_fetchmail_values(self, model):
        return {
            "name": self.env._("Support mailbox: %(partner)s", partner=self.name),
            "active": True,
            "server_type": "imap",
            "server": self.sat_imap_host,
            "port": self.sat_imap_port,
            "is_ssl": self.sat_imap_security == "ssl",
            "sat_starttls": self.sat_imap_security == "starttls",
            "user": self.sat_imap_user,
            "password": self.sat_imap_password,
            "sat_folder": self.sat_imap_folder or "INBOX",
            "object_id": model.id,
            "state": "done",
            "attach": True,
            "sat_partner_id": self.id,
        }

    def _sat_mail_server_values(self):
        return {
            "name": self.env._("Support mailbox: %(partner)s", partner=self.name),
            "active": True,
            "smtp_host": self.sat_smtp_host,
            "smtp_port": self.sat_smtp_port,
            "smtp_encryption": self.sat_smtp_encryption,
            "smtp_authentication": "login",
            "smtp_user": self.sat_smtp_user,
            "smtp_pass": self.sat_smtp_password,
            "from_filter": self.sat_mailbox_email,
            "sat_partner_id": self.id,
        }

    # ------------------------------------------------------------------ buttons
    def _sat_check_group(self, group):
        """The buttons work on servers as superuser: the caller's rights first,
        whatever calls them (the form or an RPC)."""
        if not self.env.user.has_group(group):
            raise AccessError(
                self.env._("Only a SAT manager can test or fetch a support mailbox.")
                if group == "sat_support.group_sat_manager"
                else self.env._("Only SAT users can fetch a support mailbox.")
            )
        self.check_access("read")

    def action_sat_test_incoming(self):
        self.ensure_one()
        self._sat_check_group("sat_support.group_sat_manager")
        server = self.sudo().sat_fetchmail_server_id
        if not server:
            raise UserError(self.env._("Fill in the IMAP settings and save first."))
        try:
            server.button_confirm_login()
        except UserError as error:
            raise UserError(
                self.env._(
                    "The IMAP server refused the connection: %(error)s",
                    error=error.args[0],
                )
            ) from error
        return self._sat_notify(self.env._("Incoming mail server: connection works."))

    def action_sat_test_outgoing(self):
        self.ensure_one()
        self._sat_check_group("sat_support.group_sat_manager")
        server = self.sudo().sat_mail_server_id
        if not server:
            raise UserError(self.env._("Fill in the SMTP settings and save first."))
        try:
            server.test_smtp_connection()
        except UserError as error:
            raise UserError(
                self.env._("The SMTP server refused: %(error)s", error=error.args[0])
            ) from error
        return self._sat_notify(self.env._("Outgoing mail server: connection works."))

    def action_sat_fetch_now(self):
        self.ensure_one()
        self._sat_check_group("sat_support.group_sat_user")
        server = self.sudo().sat_fetchmail_server_id
        if not server:
            raise UserError(self.env._("Fill in the IMAP settings and save first."))
        server.fetch_mail()
        server.invalidate_recordset(["sat_last_fetch_count", "sat_last_fetch_error"])
        if server.sat_last_fetch_error:
            return self._sat_notify(server.sat_last_fetch_error, kind="warning")
        return self._sat_notify(
            self.env._(
                "Mails fetched: %(count)s. Each became a case or joined its thread.",
                count=server.sat_last_fetch_count,
            )
            if server.sat_last_fetch_count
            else self.env._("No new mail in the mailbox.")
        )

    def _sat_notify(self, message, kind="success"):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"type": kind, "message": message, "sticky": kind != "success"},
        }
