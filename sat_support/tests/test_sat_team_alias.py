from email.message import EmailMessage
from email.utils import make_msgid

from odoo.tests import Form, tagged

from .common import SatCommon


def alias_mail(sender, to, subject, body, **headers):
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject
    mail["Message-Id"] = make_msgid(domain="sender.example")
    for key, value in headers.items():
        mail[key.replace("_", "-")] = value
    mail.set_content(body)
    return mail.as_bytes()


@tagged("post_install", "-at_install")
class TestSatTeamAlias(SatCommon):
    """A general support address per team (Odoo's alias), beside the customers'
    mailboxes: mails go through Odoo's own routing (``message_process``)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alias_domain = cls.env["mail.alias.domain"].create(
            {"name": "sat-support.example"}
        )
        cls.company.alias_domain_id = cls.alias_domain
        cls.team.write(
            {
                "alias_name": "workshop",
                "alias_domain_id": cls.alias_domain.id,
                "assign_method": "round_robin",
            }
        )
        cls.address = "workshop@sat-support.example"

    def _receive(self, sender, subject="Grinder makes noise", **headers):
        Case = self.env["sat.case"]
        before = Case.search([])
        raw = alias_mail(sender, self.address, subject, "It grinds loudly.", **headers)
        self.env["mail.thread"].message_process(False, raw)
        self._flush_tracking()
        return Case.search([]) - before

    def _flush_tracking(self):
        # Odoo posts tracking and stage mails just before the commit.
        self.env.flush_all()
        self.env.cr.precommit.run()

    def test_alias_on_the_team(self):
        self.assertEqual(self.team.alias_email, self.address)
        self.assertEqual(self.team.alias_id.alias_model_id.model, "sat.case")
        self.assertEqual(
            self.team.alias_id.alias_defaults, f"{{'team_id': {self.team.id}}}"
        )

    def test_known_contact(self):
        """A contact of a customer: a case of its company, the contact reporting it,
        told by an acknowledgement that answers to the team's address."""
        partners = self.env["res.partner"].search_count([])
        case = self._receive("Ana Barista <ana@cafeteria-sol.example>")
        self.assertEqual(len(case), 1)
        self.assertEqual(case.partner_id, self.customer)
        self.assertEqual(case.reporter_id, self.contact)
        self.assertEqual(case.team_id, self.team)
        self.assertEqual(case.company_id, self.company)
        self.assertEqual(case.user_id, self.sat_user, "assigned as a form's case")
        self.assertIn("It grinds loudly.", case.symptom)
        self.assertEqual(self.env["res.partner"].search_count([]), partners)
        ack = case.message_ids.filtered(
            lambda m: m.message_type == "auto_comment" and self.contact in m.partner_ids
        )
        self.assertEqual(len(ack), 1, "one acknowledgement to the contact")
        self.assertIn(self.address, ack.reply_to)
        # Her answer to the acknowledgement joins the case, it opens no other one.
        answer = alias_mail(
            "ana@cafeteria-sol.example",
            self.address,
            f"Re: {ack.subject}",
            "It still grinds.",
            In_Reply_To=ack.message_id,
        )
        cases = self.env["sat.case"].search_count([])
        self.env["mail.thread"].message_process(False, answer)
        self.assertEqual(self.env["sat.case"].search_count([]), cases)
        self.assertIn("It still grinds.", case.message_ids[0].body)

    def test_unknown_sender_of_a_known_domain(self):
        """A colleague we never heard of, from the customer's domain: a case of that
        customer, the sender a new contact of it; no new company."""
        companies = self.env["res.partner"].search_count([("is_company", "=", True)])
        case = self._receive("Luis Nuevo <luis@cafeteria-sol.example>")
        self.assertEqual(case.partner_id, self.customer)
        self.assertEqual(case.reporter_id.email, "luis@cafeteria-sol.example")
        self.assertEqual(case.reporter_id.name, "Luis Nuevo")
        self.assertEqual(case.reporter_id.parent_id, self.customer)
        self.assertEqual(
            self.env["res.partner"].search_count([("is_company", "=", True)]), companies
        )

    def test_unknown_domain(self):
        """A stranger: a case without customer, left to an agent, the stranger a
        person (not a company) who gets the acknowledgement and stays the reporter
        once the agent sets the customer."""
        companies = self.env["res.partner"].search_count([("is_company", "=", True)])
        case = self._receive("Pia Unknown <pia@nowhere.example>")
        self.assertFalse(case.partner_id)
        self.assertEqual(case.reporter_id.email, "pia@nowhere.example")
        self.assertFalse(case.reporter_id.parent_id)
        self.assertFalse(case.reporter_id.is_company)
        self.assertEqual(
            self.env["res.partner"].search_count([("is_company", "=", True)]), companies
        )
        self.assertTrue(
            case.message_ids.filtered(
                lambda m: (
                    m.message_type == "auto_comment"
                    and case.reporter_id in m.partner_ids
                )
            )
        )
        case.with_user(self.sat_user).partner_id = self.customer
        self.assertEqual(case.reporter_id.email, "pia@nowhere.example")
        # A second mail of hers: no second partner.
        second = self._receive("pia@nowhere.example", subject="Another fault")
        self.assertEqual(second.reporter_id, case.reporter_id)

    def test_customer_set_in_the_form_keeps_the_stranger_only(self):
        """In the form too, the stranger stays the reporter of their case once the
        agent finds the customer; a case moved from one customer to another never
        keeps the first one's person as reporter (their mails would go there)."""
        case = self._receive("Pia Unknown <pia@nowhere.example>")
        with Form(case.with_user(self.sat_user)) as form:
            form.partner_id = self.customer
        self.assertEqual(case.reporter_id.email, "pia@nowhere.example")
        private = self.env["res.partner"].create(
            {"name": "Leo Private", "email": "leo@home.example"}
        )
        other = self._create_case(partner_id=private.id)
        self.assertEqual(other.reporter_id, private)
        with Form(other.with_user(self.sat_user)) as form:
            form.partner_id = self.customer
        self.assertEqual(other.reporter_id, self.customer)
        again = self._create_case(partner_id=private.id)
        again.with_user(self.sat_user).partner_id = self.customer
        self.assertEqual(again.reporter_id, self.customer)

    def test_public_and_shared_domains_name_no_customer(self):
        """A free mail address, or a domain two customers share, says nothing of
        the sender's company."""
        self.env["res.partner"].create(
            {"name": "Gmail Bakery", "is_company": True, "email": "bakery@gmail.com"}
        )
        self.env["res.partner"].create(
            {"name": "Host One", "is_company": True, "email": "one@shared.example"}
        )
        self.env["res.partner"].create(
            {"name": "Host Two", "is_company": True, "email": "two@shared.example"}
        )
        self.assertFalse(self._receive("someone@gmail.com").partner_id)
        self.assertFalse(self._receive("x@shared.example").partner_id)

    def test_staff(self):
        """Our own employee writes for no customer and gets no acknowledgement."""
        case = self._receive("Sara User <sara@example.com>")
        self.assertEqual(len(case), 1)
        self.assertFalse(case.partner_id)
        self.assertFalse(case.reporter_id)
        self.assertFalse(
            case.message_ids.filtered(lambda m: m.message_type == "auto_comment")
        )
