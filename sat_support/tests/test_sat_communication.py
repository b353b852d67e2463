from unittest.mock import patch

from odoo import Command
from odoo.exceptions import AccessError
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

    def test_stage_template_compiled_once(self):
        """The acknowledgement's body is compiled once, not for every case; what it
        says is still each case's, and an edit of the template is seen at once."""
        IrQWeb = type(self.env["ir.qweb"])
        self.env.registry.clear_cache("templates")
        template = self.env.ref("sat_support.mail_template_case_received")

        def acknowledged(name):
            case = self._create_case(reporter_id=self.contact.id, name=name)
            self.cr.flush()  # the acknowledgement is rendered when the case is saved
            return case

        with patch.object(
            IrQWeb, "_generate_code", autospec=True, side_effect=IrQWeb._generate_code
        ) as generate:
            first = acknowledged("Leaks water")
            compiled = generate.call_count
            self.assertTrue(compiled)
            second = acknowledged("No power")
            self.assertEqual(generate.call_count, compiled, "compiled once")
            body = template.body_html.replace("We received", "We have received")
            template.body_html = body
            edited = acknowledged("Noisy")
            self.assertGreater(generate.call_count, compiled, "compiled once more")
        for case, name, words in (
            (first, "Leaks water", "We received"),
            (second, "No power", "We received"),
            (edited, "Noisy", "We have received"),
        ):
            body = self._mails(case).body_html
            self.assertIn(case.reference, body)
            self.assertIn(name, body)
            self.assertIn(words, body)

    def test_compiled_template_keeps_rendering_restrictions(self):
        """Code only template editors may run stays refused to others, even once
        the superuser's rendering of the same template was compiled and kept."""
        # As Odoo's setting "Restrict Template Rendering" does.
        editor = self.env.ref("mail.group_mail_template_editor")
        self.env.ref("base.group_user").implied_ids -= editor
        self.sat_user.groups_id -= editor
        self.assertFalse(self.sat_user.has_group("mail.group_mail_template_editor"))
        case = self._create_case(team_id=self.team.id, user_id=self.sat_user.id)
        source = '<p t-out="object.name.upper()"/>'
        Render = self.env["mail.render.mixin"]
        rendered = Render._render_template_qweb(source, "sat.case", case.ids)
        self.assertEqual(rendered[case.id], "<p>LEAKS WATER</p>")
        with self.assertRaisesRegex(AccessError, "allowed to edit templates"):
            Render.with_user(self.sat_user)._render_template_qweb(
                source, "sat.case", case.ids
            )
        # What a template editor may write, they may still render.
        safe = '<p t-out="object.name"/>'
        self.assertEqual(
            Render.with_user(self.sat_user)._render_template_qweb(
                safe, "sat.case", case.ids
            )[case.id],
            "<p>Leaks water</p>",
        )
