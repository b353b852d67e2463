from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import SatCommon


@tagged("post_install", "-at_install")
class TestSatMerge(SatCommon):
    """Two mails about one fault made two cases: a SAT user merges them."""

    def setUp(self):
        super().setUp()
        self.first = self._create_case(name="Leaks water", reporter_id=self.contact.id)
        self.second = self._create_case(
            name="Water on the floor",
            reporter_id=self.contact.id,
            line_ids=[Command.create({"product_id": self.pump.id, "quantity": 1})],
        )
        self.second.message_post(
            body="Photo of the leak attached",
            author_id=self.contact.id,
            message_type="email",
            subtype_xmlid="mail.mt_comment",
        )
        self.photo = self.env["ir.attachment"].create(
            {
                "name": "leak.jpg",
                "raw": b"jpeg",
                "res_model": "sat.case",
                "res_id": self.second.id,
            }
        )
        self.watcher = self.env["res.partner"].create(
            {"name": "Owner", "email": "owner@cafeteria-sol.example"}
        )
        self.second.message_subscribe(partner_ids=self.watcher.ids)
        self.call_back = self.second.activity_schedule(
            "mail.mail_activity_data_call", user_id=self.sat_user.id
        )
        # A cancelling stage that mails the customer must stay silent on a merge.
        self.stage_cancelled.mail_template_id = self.env.ref(
            "sat_support.mail_template_case_waiting"
        )
        self._flush_tracking()

    def _flush_tracking(self):
        # Odoo posts tracking and stage mails just before the commit.
        self.env.flush_all()
        self.env.cr.precommit.run()

    def _merge(self, user, cases, keep):
        wizard = Form(
            self.env["sat.case.merge.wizard"]
            .with_user(user)
            .with_context(active_model="sat.case", active_ids=cases.ids)
        )
        wizard.case_id = keep.with_user(user)
        return wizard.save().action_merge()

    def _customer_messages(self):
        return self.env["mail.message"].search(
            [
                ("model", "=", "sat.case"),
                ("res_id", "in", (self.first | self.second).ids),
                ("partner_ids", "in", self.contact.ids),
            ]
        )

    def test_merge_keeps_every_message_once(self):
        kept_before = self.first.message_ids
        moved = self.second.message_ids
        told_before = self._customer_messages()
        self._merge(self.sat_user, self.first | self.second, self.first)
        self._flush_tracking()
        self.first.invalidate_recordset()
        self.second.invalidate_recordset()
        merged = self.first.message_ids
        self.assertEqual(merged & (kept_before | moved), kept_before | moved)
        self.assertEqual(len(merged.ids), len(set(merged.ids)))
        self.assertFalse(self.second.message_ids & (kept_before | moved))
        self.assertIn("Photo of the leak attached", " ".join(merged.mapped("body")))
        self.assertEqual(self.photo.res_id, self.first.id)
        self.assertEqual(self.first.activity_ids, self.call_back, "still to do")
        self.assertIn(self.watcher, self.first.message_partner_ids)
        self.assertEqual(self.first.line_ids.product_id, self.pump)
        self.assertFalse(self.second.line_ids)
        self.assertEqual(self.first.amount_untaxed, 65.5)
        self.assertTrue(self.second.is_cancel)
        self.assertEqual(self.second.merged_into_id, self.first)
        self.assertIn(
            self.first.reference, " ".join(self.second.message_ids.mapped("body"))
        )
        told = self._customer_messages() - told_before
        self.assertEqual(len(told), 1, "the customer is told once, no cancel mail")
        self.assertEqual(told.res_id, self.first.id)
        self.assertIn(self.second.reference, told.body)
        self.assertFalse(self.first.is_cancel)

    def test_merge_refusals(self):
        bar = self.env["res.partner"].create({"name": "Bar Luna", "is_company": True})
        other = self._create_case(partner_id=bar.id)
        with self.assertRaisesRegex(UserError, "different customers"):
            self._merge(self.sat_user, self.first | other, self.first)
        with self.assertRaises(AccessError):
            self._merge(self.employee, self.first | self.second, self.first)
        self.second.write({"solution": "<p>Done</p>"})
        self.second.action_close()
        with self.assertRaisesRegex(UserError, "Closed or cancelled"):
            self._merge(self.sat_user, self.first | self.second, self.first)
        self.assertEqual(self.first.stage_id, self.stage_new)
        self.assertFalse(self.first.merged_into_id)

    def test_case_without_customer_joins_the_customers_case(self):
        """A stranger's mail to the team address, then the customer's own one."""
        stranger = self.env["res.partner"].create(
            {"name": "Pia", "email": "pia@nowhere.example"}
        )
        orphan = self._create_case(partner_id=False, reporter_id=stranger.id)
        self._merge(self.sat_manager, self.first | orphan, self.first)
        self.assertEqual(orphan.merged_into_id, self.first)
        orphan_2 = self._create_case(partner_id=False)
        with self.assertRaisesRegex(UserError, "different customers"):
            self._merge(self.sat_manager, self.second | orphan_2, orphan_2)
