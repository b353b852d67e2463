from odoo.tests import tagged

from ..tools.mail_servers import Dovecot
from .common import SatMailGatewayCase, make_mail


@tagged("post_install", "-at_install")
class TestSatTeamAddress(SatMailGatewayCase):
    """A team's general support address read by Odoo's own fetch from a real IMAP
    server, beside the customers' mailboxes; its mails leave through the company's
    SMTP server, answering to the team's address."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.general = Dovecot({"support": "general-secret"}).start()
        cls.addClassCleanup(cls.general.stop)
        domain = cls.env["mail.alias.domain"].create({"name": "sat-support.example"})
        cls.env.company.alias_domain_id = domain
        cls.team = cls.env["sat.team"].create(
            {"name": "Front Desk", "alias_name": "help", "alias_domain_id": domain.id}
        )
        cls.server = cls.env["fetchmail.server"].create(
            {
                "name": "General support",
                "server_type": "imap",
                "server": "127.0.0.1",
                "port": cls.general.port,
                "is_ssl": False,
                "user": "support",
                "password": "general-secret",
            }
        )
        cls.server.button_confirm_login()
        cls.env["ir.mail_server"].create(
            {
                "name": "Company SMTP",
                "smtp_host": "127.0.0.1",
                "smtp_port": cls.smtp.port,
                "smtp_encryption": "none",
                "sequence": 1,
            }
        )

    def setUp(self):
        super().setUp()
        self.general.clear("support")

    def _deliver(self, sender, subject, **kwargs):
        self.general.deliver(
            "support",
            make_mail(sender, "help@sat-support.example", subject, "x", **kwargs),
        )

    def _team_cases(self):
        return self.env["sat.case"].search([("team_id", "=", self.team.id)], order="id")

    def test_known_contact_answered_from_the_team_address(self):
        """A contact of a customer without a mailbox: the acknowledgement leaves
        through the company's server, answering to the team's address; a customer
        with a mailbox is answered from it, as every case of that customer."""
        cafe = self.env["res.partner"].create({"name": "Casa Cafe", "is_company": True})
        self.env["res.partner"].create(
            {"name": "Lia", "email": "lia@casa.example", "parent_id": cafe.id}
        )
        self._deliver("Lia <lia@casa.example>", "Grinder noise")
        self._deliver("Ana Known <ana@acme.example>", "Steam wand leaks")
        self._as_cron(lambda env: env["fetchmail.server"]._fetch_mails())
        cases = self._team_cases()
        self.assertEqual(cases.partner_id, cafe | self.acme)
        self.assertEqual(
            cases.reporter_id.mapped("email"), ["lia@casa.example", "ana@acme.example"]
        )
        self.assertEqual(self.general.unseen("support"), 0)
        # Odoo's fetch of a general mailbox sends the acknowledgements at once.
        replies = {
            sent["to"][0]: sent["message"]
            for sent in self.smtp.messages
            if sent["to"][0] in ("lia@casa.example", "ana@acme.example")
        }
        self.assertEqual(len(replies), 2)
        self.assertIn(
            "help@sat-support.example", replies["lia@casa.example"]["Reply-To"]
        )
        self.assertEqual(
            replies["lia@casa.example"]["Auto-Submitted"], "auto-generated"
        )
        self.assertIn(
            "sat.acme@support.example", replies["ana@acme.example"]["Reply-To"]
        )

    def test_ticketing_robot_at_the_team_address_cannot_loop(self):
        for i in range(7):
            self._deliver("Helpdesk Robot <tickets@robot.example>", f"Ticket #{i}")
        self._deliver(
            "Ana Known <ana@acme.example>",
            "Out of office",
            headers={"Auto-Submitted": "auto-replied"},
        )
        self._as_cron(lambda env: env["fetchmail.server"]._fetch_mails())
        cases = self._team_cases()
        self.assertEqual(len(cases), 7, "the auto-reply opens no case")
        acknowledgements = [
            sent
            for sent in self.smtp.messages
            if sent["to"] == ["tickets@robot.example"]
        ]
        self.assertEqual(len(acknowledgements), 5, "at most 5 an hour")
        self.assertEqual(len(self.smtp.messages), 5, "none to the auto-reply")
