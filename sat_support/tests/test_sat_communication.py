from odoo import Command
from odoo.tests import tagged

from .common import SatCommon


@tagged("post_install", "-at_install")
class TestSatCommunication(SatCommon):
    def _mails(self, case):
        self.cr.flush()  # tracking templates are sent when the transaction commits
        return self.env["mail.mail"].search(
            [("model", "=", "sat.case"), ("res_id", "=", case.id)], order="id"
        )

    def test_acknowledgement_on_creation(self):
        case = self._create_case(reporter_id=self.contact.id, team_id=self.team.id)
        mail = self._mails(case)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, self.contact)
        self.assertEqual(
            mail.subject, f"[{case.reference}] We received your request: Leaks water"
        )
        self.assertIn(case.reference, mail.body_html)
        self.assertIn(
            self.contact, case.message_partner_ids, "the reporter follows the case"
        )

    def test_stage_changes_are_mailed(self):
        case = self._create_case(
            reporter_id=self.contact.id, solution="<p>New gasket</p>"
        )
        self._mails(case).unlink()
        expected = [
            ("sat_case_stage_diagnosis", []),
            ("sat_case_stage_in_progress", ["We are working on your request"]),
            ("sat_case_stage_waiting", ["We need your answer"]),
            # The solution, and the request to rate the service.
            ("sat_case_stage_closed", ["Your request is solved", "How did we do?"]),
        ]
        for stage_xmlid, subjects in expected:
            case.stage_id = self.env.ref(f"sat_support.{stage_xmlid}")
            mails = self._mails(case)
            self.assertEqual(
                sorted(mails.mapped("subject")),
                sorted(f"[{case.reference}] {subject}" for subject in subjects),
                stage_xmlid,
            )
            for mail in mails:
                self.assertEqual(mail.recipient_ids, self.contact)
            mails.unlink()
        solved = self.env["mail.message"].search(
            [
                ("model", "=", "sat.case"),
                ("res_id", "=", case.id),
                ("subject", "=", f"[{case.reference}] Your request is solved"),
            ]
        )
        self.assertIn("New gasket", solved.body)

    def test_stage_template_with_attachment_and_copy(self):
        """A stage template with an attachment and a copy address of its own: the
        customer's mail carries them (Odoo's composer sends it)."""
        stage = self.env.ref("sat_support.sat_case_stage_in_progress")
        template = stage.mail_template_id
        guide = self.env["ir.attachment"].create(
            {
                "name": "care-guide.pdf",
                "raw": b"%PDF-1.4 care guide",
                "res_model": "mail.template",
                "res_id": template.id,
            }
        )
        template.write(
            {
                "attachment_ids": [Command.link(guide.id)],
                "email_cc": "quality@customer.example",
            }
        )
        case = self._create_case(reporter_id=self.contact.id)
        self._mails(case).unlink()
        case.with_user(self.sat_user).stage_id = stage
        mails = self._mails(case)
        self.assertEqual(
            set(mails.mapped("subject")),
            {f"[{case.reference}] We are working on your request"},
        )
        self.assertEqual(
            set(mails.recipient_ids.mapped("email")),
            {self.contact.email, "quality@customer.example"},
        )
        self.assertEqual(set(mails.attachment_ids.mapped("name")), {"care-guide.pdf"})

    def test_in_the_customer_language(self):
        self.env["res.lang"]._activate_lang("es_ES")
        self.env["ir.module.module"].search(
            [("name", "=", "sat_support")]
        )._update_translations(["es_ES"])
        self.contact.lang = "es_ES"
        case = self._create_case(reporter_id=self.contact.id)
        mail = self._mails(case)
        self.assertEqual(
            mail.subject, f"[{case.reference}] Hemos recibido su solicitud: Leaks water"
        )

    def test_switched_off_per_team(self):
        self.team.notify_customer = False
        case = self._create_case(reporter_id=self.contact.id, team_id=self.team.id)
        case.stage_id = self.env.ref("sat_support.sat_case_stage_in_progress")
        self.assertFalse(self._mails(case))

    def test_no_mail_without_an_address(self):
        silent = self.env["res.partner"].create(
            {"name": "No Mail", "parent_id": self.customer.id}
        )
        case = self._create_case(reporter_id=silent.id)
        self.assertFalse(self._mails(case))

    def test_chatter_exchange_reaches_the_customer(self):
        case = self._create_case(reporter_id=self.contact.id)
        self._mails(case).unlink()
        case.with_user(self.sat_user).message_post(
            body="Could you send a photo of the leak?",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        mails = self._mails(case)
        self.assertIn(self.contact, mails.recipient_ids)
        case.with_user(self.sat_user).message_post(
            body="Internal: order a gasket",
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        self.assertEqual(self._mails(case), mails, "internal notes stay internal")
