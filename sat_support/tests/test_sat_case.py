from datetime import timedelta
from unittest.mock import patch

from lxml import etree
from psycopg2 import IntegrityError

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import SatCommon


@tagged("post_install", "-at_install")
class TestSatCase(SatCommon):
    def test_create_case_from_the_form(self):
        """Step 1 of the seed: a support user records a new case."""
        before = fields.Datetime.now() - timedelta(seconds=1)
        with Form(self.env["sat.case"].with_user(self.sat_user)) as form:
            form.name = "Machine leaks water"
            form.partner_id = self.customer
            self.assertEqual(
                form.reporter_id, self.customer, "the account reports by default"
            )
            form.reporter_id = self.contact
            form.case_type = "warranty"
            form.priority = "2"
            form.date_deadline = fields.Date.today() + timedelta(days=5)
            form.lot_id = self.lot
            self.assertEqual(
                form.product_id, self.machine, "the serial sets its product"
            )
            form.category_id = self.env.ref(
                "sat_support.sat_case_category_product_defect"
            )
            form.team_id = self.team
            form.user_id = self.sat_user
            form.symptom = "<p>Water drips under the group head</p>"
        case = form.record
        year = fields.Date.today().year
        self.assertRegex(case.reference, rf"^SAT/{year}/\d{{5}}$")
        self.assertEqual(case.display_name, f"{case.reference} Machine leaks water")
        self.assertEqual(case.stage_id, self.stage_new)
        self.assertGreaterEqual(case.date_received, before)
        self.assertEqual(case.partner_id, self.customer)
        self.assertEqual(case.reporter_id, self.contact)
        self.assertEqual(case.partner_email, "ana@cafeteria-sol.example")
        self.assertFalse(case.date_closed)
        self.assertEqual(self.customer.with_user(self.sat_user).sat_case_count, 1)
        # The creation is one message, with no "None → value" changes logged after
        # it, even once the transaction ends and the case is read again.
        self.cr.flush()
        case.with_user(self.sat_user).web_read({"sla_status": {}, "team_id": {}})
        self.cr.flush()
        self.assertFalse(case.sudo().message_ids.tracking_value_ids)

    def test_new_customer_and_contact_created_on_the_spot(self):
        """Someone reports on behalf of a customer that is not in the system yet."""
        Partner = self.env["res.partner"].with_user(self.sat_user)
        new_account = Partner.with_context(default_is_company=True).name_create(
            "Bar Nuevo S.L."
        )[0]
        case_form = Form(self.env["sat.case"].with_user(self.sat_user))
        case_form.name = "Grinder does not start"
        case_form.partner_id = Partner.browse(new_account)
        # The reporter field's context creates the contact under the account.
        reporter = Partner.with_context(default_parent_id=new_account).name_create(
            "Luis Camarero"
        )[0]
        case_form.reporter_id = Partner.browse(reporter)
        case = case_form.save()
        self.assertTrue(case.partner_id.is_company)
        self.assertEqual(case.reporter_id.parent_id, case.partner_id)
        self.assertEqual(case.reporter_id.commercial_partner_id, case.partner_id)

    def test_reporter_from_another_company_is_kept(self):
        outsider = self.env["res.partner"].create({"name": "Installer on behalf"})
        case = self._create_case(reporter_id=outsider.id)
        self.assertEqual(case.reporter_id, outsider)
        self.assertEqual(case.partner_id, self.customer)

    def test_serial_restricted_to_its_product(self):
        with self.assertRaises(ValidationError) as error:
            self._create_case(product_id=self.machine.id, lot_id=self.lot_grinder.id)
        self.assertIn("TST-G-0001 belongs to Test Grinder", str(error.exception))
        case = self._create_case(lot_id=self.lot.id)
        self.assertEqual(case.product_id, self.machine)
        with self.assertRaises(ValidationError):
            case.product_id = self.grinder

    def test_delegate_notifies_the_new_responsible(self):
        case = self._create_case(team_id=self.team.id)
        case.with_user(self.sat_manager).write(
            {"user_id": self.sat_user_2.id, "team_id": self.team_2.id}
        )
        notification = self.env["mail.message"].search(
            [
                ("model", "=", "sat.case"),
                ("res_id", "=", case.id),
                ("message_type", "=", "user_notification"),
                ("partner_ids", "in", self.sat_user_2.partner_id.ids),
            ]
        )
        self.assertEqual(len(notification), 1)
        self.assertEqual(
            notification.subject, f"You have been assigned to {case.display_name}"
        )
        self.assertIn(self.sat_user_2.partner_id, case.message_partner_ids)

    def test_seed_process_diagnose_solve_close(self):
        """Steps 2 to 4 of the seed, with the supplies' prices and taxes."""
        case = self._create_case(
            lot_id=self.lot.id, team_id=self.team.id, user_id=self.sat_user.id
        )
        case_user = case.with_user(self.sat_user)
        with Form(case_user) as form:
            form.diagnosis = "<p>Pump seized</p>"
            form.stage_id = self.stage_diagnosis
        with Form(case_user) as form:
            form.solution = "<p>Pump replaced and pressure calibrated</p>"
            with form.line_ids.new() as line:
                line.product_id = self.pump
                self.assertEqual(line.price_unit, 65.5)
                self.assertEqual(line.tax_ids.ids, self.tax_21.ids)
            with form.line_ids.new() as line:
                line.product_id = self.service
                line.quantity = 1.5
        self.assertEqual(len(case.line_ids), 2)
        self.assertEqual(case.line_ids.mapped("price_subtotal"), [65.5, 67.5])
        self.assertEqual(
            case.line_ids.product_uom_id, self.pump.uom_id | self.service.uom_id
        )
        self.assertAlmostEqual(case.amount_untaxed, 133.0)
        self.assertAlmostEqual(
            case.amount_tax, 27.94
        )  # rounded per line, Odoo's default
        self.assertAlmostEqual(case.amount_total, 160.94)
        case_user.action_close()
        self.assertEqual(case.stage_id, self.stage_closed)
        self.assertTrue(case.is_closed)
        self.assertTrue(case.date_closed)

    def test_close_requires_a_solution(self):
        case = self._create_case()
        with self.assertRaises(ValidationError) as error:
            case.with_user(self.sat_user).action_close()
        self.assertIn("cannot be closed without a solution", str(error.exception))
        case.solution = "<p><br></p>"
        with self.assertRaises(ValidationError):
            case.with_user(self.sat_user).write({"stage_id": self.stage_closed.id})
        self.assertEqual(case.stage_id, self.stage_new, "nothing stored is lost")
        # Cancelling needs no solution.
        case.with_user(self.sat_user).action_cancel()
        self.assertTrue(case.is_cancel)
        self.assertTrue(case.date_closed)

    def test_closed_case_is_read_only_for_users(self):
        case = self._create_case(
            solution="<p>Fixed</p>",
            line_ids=[fields.Command.create({"product_id": self.service.id})],
        )
        case.with_user(self.sat_user).action_close()
        closed_on = case.date_closed
        for attempt in (
            lambda: case.with_user(self.sat_user).write(
                {"diagnosis": "<p>changed</p>"}
            ),
            lambda: case.with_user(self.sat_user).action_reopen(),
            lambda: case.line_ids.with_user(self.sat_user).write({"quantity": 3}),
            # Locked in the form, and by RPC alike: what the invoice was made with.
            lambda: case.with_user(self.sat_user).write(
                {
                    "payment_term_id": self.env.ref(
                        "account.account_payment_term_30days"
                    ).id
                }
            ),
            lambda: case.with_user(self.sat_user).write({"fiscal_position_id": False}),
        ):
            with self.assertRaises(UserError) as error:
                attempt()
            self.assertIn("only a SAT manager", str(error.exception))
        with self.assertRaises(UserError) as error:
            case.with_user(self.sat_manager).unlink()
        self.assertIn("Archive them instead", str(error.exception))
        self.assertEqual(case.line_ids.quantity, 1.0)
        self.assertTrue(case.with_user(self.sat_user).is_locked)
        self.assertFalse(case.with_user(self.sat_manager).is_locked)
        # The chatter stays open on a closed case.
        case.with_user(self.sat_user).message_post(body="Customer confirmed it works")
        self.assertEqual(case.date_closed, closed_on)
        case.with_user(self.sat_manager).action_reopen()
        self.assertEqual(case.stage_id, self.stage_new)
        self.assertFalse(case.date_closed)

    def _locked_in_form(self):
        self.env.registry.clear_cache("templates")
        arch = self.env["sat.case"].with_user(self.sat_user).get_view(view_type="form")
        nodes = etree.fromstring(arch["arch"]).xpath("//field[not(ancestor::field)]")
        return {
            node.get("name")
            for node in nodes
            if "is_locked" in (node.get("readonly") or "")
        }, {node.get("name") for node in nodes}

    def test_form_locks_what_the_guard_locks(self):
        """One list of the fields a closed case locks: the form takes it from the
        model, so a field added to the list is read-only in the form as well."""
        Case = type(self.env["sat.case"])
        locked, shown = self._locked_in_form()
        self.assertEqual(locked, Case._LOCKED_FIELDS & shown)
        self.assertIn("payment_term_id", locked)
        self.assertNotIn("partner_phone", locked)
        with patch.object(
            Case, "_LOCKED_FIELDS", Case._LOCKED_FIELDS | {"partner_phone"}
        ):
            self.assertIn("partner_phone", self._locked_in_form()[0])
        self.addCleanup(self.env.registry.clear_cache, "templates")
        case = self._create_case(solution="<p>Seal replaced</p>")
        case.with_user(self.sat_user).action_close()
        with (
            Form(case.with_user(self.sat_user)) as form,
            self.assertRaises(AssertionError),
        ):
            form.name = "Renamed after closing"
        with Form(case.with_user(self.sat_manager)) as form:
            form.name = "Renamed by the manager"
        self.assertEqual(case.name, "Renamed by the manager")

    def test_references_unique_in_one_transaction(self):
        cases = self.env["sat.case"].create(
            [
                {"name": "First", "partner_id": self.customer.id},
                {"name": "Second", "partner_id": self.customer.id},
            ]
        )
        self.assertEqual(len(set(cases.mapped("reference"))), 2)
        self.assertNotIn("New", cases.mapped("reference"))
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.cr.savepoint(),
        ):
            self._create_case(reference=cases[0].reference)

    def test_stage_change_is_tracked(self):
        case = self._create_case()
        # A change made in the creating transaction is part of the creation.
        self.cr.flush()
        case.stage_id = self.stage_diagnosis
        self.cr.flush()  # tracking messages are written when the transaction commits
        tracking = case.message_ids.filtered(
            lambda m: m.subtype_id == self.env.ref("sat_support.mt_case_stage")
        )
        self.assertEqual(len(tracking), 1)
        self.assertEqual(tracking.tracking_value_ids.new_value_char, "Diagnosis")

    def test_service_history_of_a_serial(self):
        first = self._create_case(lot_id=self.lot.id, name="First failure")
        second = self._create_case(lot_id=self.lot.id, name="Second failure")
        self._create_case(lot_id=self.lot_grinder.id, name="Other unit")
        lot = self.lot.with_user(self.sat_manager)
        self.assertEqual(lot.sat_case_count, 2)
        action = lot.action_view_sat_cases()
        self.assertEqual(self.env["sat.case"].search(action["domain"]), first | second)
        self.assertEqual(action["views"][0][1], "list")
        self.assertEqual(action["context"]["default_lot_id"], self.lot.id)
        # What happened to the unit, not the SLA of the cases.
        arch = self.env["sat.case"].get_views([action["views"][0]])["views"]["list"][
            "arch"
        ]
        for fname in ("date_received", "date_closed", "symptom_text", "solution_text"):
            self.assertIn(f'name="{fname}"', arch)
        self.assertNotIn("sla_status", arch)
        first.write(
            {
                "symptom": "<p>Leaks&nbsp;water</p>",
                "solution": "<p>New <b>gasket</b></p>",
                "line_ids": [
                    Command.create({"product_id": self.pump.id, "quantity": 2})
                ],
            }
        )
        self.assertEqual(first.symptom_text, "Leaks water")
        self.assertEqual(first.solution_text, "New *gasket*")
        self.assertEqual(first.supplies_summary, f"2 × {self.pump.display_name}")
        # The customer's form counts the account's cases, on the account and
        # on its contacts.
        self.assertEqual(self.customer.with_user(self.sat_manager).sat_case_count, 3)
        self.assertEqual(self.contact.with_user(self.sat_manager).sat_case_count, 3)
        customer_action = self.contact.with_user(
            self.sat_manager
        ).action_view_sat_cases()
        self.assertEqual(
            customer_action["domain"], [("partner_id", "=", self.customer.id)]
        )

    def test_stage_configuration(self):
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.cr.savepoint(),
        ):
            self.env["sat.case.stage"].create(
                {"name": "Bad", "is_cancel": True, "is_closed": False}
            )
        with Form(self.env["sat.case.stage"].with_user(self.sat_manager)) as form:
            form.name = "Rejected"
            form.is_cancel = True
            self.assertTrue(form.is_closed)
        # The kanban shows every stage, even empty ones.
        groups = self.env["sat.case"].read_group(
            [("id", "=", 0)], ["stage_id"], ["stage_id"]
        )
        self.assertEqual(len(groups), self.env["sat.case.stage"].search_count([]))


@tagged("post_install", "-at_install")
class TestSatCaseViews(SatCommon):
    """What the list and the kanban show at a glance."""

    def _arch(self, view_type):
        return self.env["sat.case"].get_views([(False, view_type)])["views"][view_type][
            "arch"
        ]

    def test_list_rows_are_not_all_green_or_red(self):
        arch = etree.fromstring(self._arch("list"))
        for attribute in (
            "decoration-success",
            "decoration-danger",
            "decoration-warning",
        ):
            self.assertIsNone(arch.get(attribute), attribute)
        reference = arch.xpath("//field[@name='reference']")[0]
        self.assertEqual(reference.get("width"), "130px", "SAT/2026/00042 fits")

    def test_kanban_shows_sla_progress_and_labelled_deadlines(self):
        arch = etree.fromstring(self._arch("kanban"))
        self.assertEqual(arch.xpath("//progressbar")[0].get("field"), "sla_status")
        text = " ".join(arch.itertext())
        self.assertIn("Promised:", text)
        self.assertIn("SLA:", text)
