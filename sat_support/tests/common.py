import time
from pathlib import Path

import polib

from odoo import Command
from odoo.modules.module import get_module_path
from odoo.tests import TransactionCase, new_test_user
from odoo.tools.translate import TranslationModuleReader


class SpanishTranslationMixin:
    """Every string a user can see has its Spanish translation (any SAT addon)."""

    _module = None

    def _sources(self):
        """The strings Odoo would export for the addon now, from code and data."""
        reader = TranslationModuleReader(self.env.cr, modules=[self._module])
        return {entry[4] for entry in reader if entry[4]}

    def _po(self, name):
        path = Path(get_module_path(self._module)) / "i18n" / name
        self.assertTrue(path.exists(), f"{path} is missing")
        return polib.pofile(str(path))

    def test_pot_is_regenerated(self):
        pot = {entry.msgid for entry in self._po(f"{self._module}.pot")}
        sources = self._sources()
        self.assertEqual(
            (sorted(sources - pot)[:20], sorted(pot - sources)[:20]),
            ([], []),
            f"i18n/{self._module}.pot is not the export of the code (missing, stale): "
            "export it again with --i18n-export",
        )

    def test_spanish_translation_is_complete(self):
        translated = {
            entry.msgid
            for entry in self._po("es.po")
            if entry.msgstr and not entry.fuzzy
        }
        missing = sorted(self._sources() - translated)
        self.assertFalse(
            missing,
            f"{len(missing)} strings have no Spanish translation: {missing[:20]}",
        )


def office_hours_calendar(env, name, **values):
    """A calendar of Monday to Friday, 08:00 to 17:00 UTC: working hours a test can
    count by hand."""
    return env["resource.calendar"].create(
        {
            "name": name,
            "tz": "UTC",
            "attendance_ids": [Command.clear()]
            + [
                Command.create(
                    {
                        "name": f"Day {day}",
                        "dayofweek": str(day),
                        "hour_from": 8,
                        "hour_to": 17,
                    }
                )
                for day in range(5)
            ],
            **values,
        }
    )


def deliver_serial(env, lot, partner):
    """``lot`` delivered to ``partner`` by a real outgoing transfer of the company's
    first warehouse; the transfer."""
    warehouse = env["stock.warehouse"].search(
        [("company_id", "=", env.company.id)], limit=1
    )
    stock = warehouse.lot_stock_id
    customers = env.ref("stock.stock_location_customers")
    env["stock.quant"]._update_available_quantity(lot.product_id, stock, 1, lot_id=lot)
    picking = env["stock.picking"].create(
        {
            "picking_type_id": warehouse.out_type_id.id,
            "partner_id": partner.id,
            "location_id": stock.id,
            "location_dest_id": customers.id,
            "move_ids": [
                Command.create(
                    {
                        "name": lot.product_id.name,
                        "product_id": lot.product_id.id,
                        "product_uom_qty": 1,
                        "location_id": stock.id,
                        "location_dest_id": customers.id,
                    }
                )
            ],
        }
    )
    picking.action_confirm()
    picking.action_assign()
    picking.move_ids.picked = True
    picking.button_validate()
    return picking


class SatCommon(TransactionCase):
    """Users, customers, products and teams shared by the sat_support tests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company_2 = cls.env["res.company"].create({"name": "SAT Other Company"})
        cls.sat_user = new_test_user(
            cls.env,
            "sat_user",
            groups="sat_support.group_sat_user",
            name="Sara User",
            email="sara@example.com",
        )
        cls.sat_user_2 = new_test_user(
            cls.env,
            "sat_user_2",
            groups="sat_support.group_sat_user",
            name="Tom Other Team",
            email="tom@example.com",
        )
        cls.sat_manager = new_test_user(
            cls.env,
            "sat_manager",
            groups="sat_support.group_sat_manager",
            name="Mia Manager",
            email="mia@example.com",
        )
        cls.employee = new_test_user(
            cls.env, "plain_employee", groups="base.group_user", name="Eve Employee"
        )
        cls.sat_user_company_2 = new_test_user(
            cls.env,
            "sat_user_c2",
            groups="sat_support.group_sat_user",
            name="Carl Company Two",
            company_id=cls.company_2.id,
            company_ids=[Command.set(cls.company_2.ids)],
        )
        cls.team = cls.env["sat.team"].create(
            {"name": "Workshop Test", "member_ids": [Command.set(cls.sat_user.ids)]}
        )
        cls.team_2 = cls.env["sat.team"].create(
            {"name": "Field Test", "member_ids": [Command.set(cls.sat_user_2.ids)]}
        )
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Cafetería Sol",
                "is_company": True,
                "email": "info@cafeteria-sol.example",
            }
        )
        cls.contact = cls.env["res.partner"].create(
            {
                "name": "Ana Barista",
                "parent_id": cls.customer.id,
                "email": "ana@cafeteria-sol.example",
            }
        )
        cls.tax_21 = cls.env["account.tax"].create(
            {
                "name": "VAT 21% (test)",
                "amount": 21.0,
                "type_tax_use": "sale",
                "company_id": cls.company.id,
            }
        )
        cls.machine = cls.env["product.product"].create(
            {
                "name": "Test Espresso Machine",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
                "list_price": 900.0,
            }
        )
        cls.grinder = cls.env["product.product"].create(
            {
                "name": "Test Grinder",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
            }
        )
        cls.service = cls.env["product.product"].create(
            {
                "name": "Test Technician Hour",
                "type": "service",
                "list_price": 45.0,
                "taxes_id": [Command.set(cls.tax_21.ids)],
            }
        )
        cls.pump = cls.env["product.product"].create(
            {
                "name": "Test Pump",
                "type": "consu",
                "is_storable": True,
                "list_price": 65.5,
                "taxes_id": [Command.set(cls.tax_21.ids)],
            }
        )
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.stock_location = cls.warehouse.lot_stock_id
        cls.env["stock.quant"]._update_available_quantity(
            cls.pump, cls.stock_location, 100
        )
        cls.lot = cls.env["stock.lot"].create(
            {"name": "TST-0001", "product_id": cls.machine.id}
        )
        cls.lot_grinder = cls.env["stock.lot"].create(
            {"name": "TST-G-0001", "product_id": cls.grinder.id}
        )
        cls.stage_new = cls.env.ref("sat_support.sat_case_stage_new")
        cls.stage_diagnosis = cls.env.ref("sat_support.sat_case_stage_diagnosis")
        cls.stage_closed = cls.env.ref("sat_support.sat_case_stage_closed")
        cls.stage_cancelled = cls.env.ref("sat_support.sat_case_stage_cancelled")

    def _deliver(self, lot, partner):
        picking = deliver_serial(self.env, lot, partner)
        self.assertEqual(picking.move_line_ids.lot_id, lot)
        self.assertEqual(picking.state, "done")

    @classmethod
    def _create_solved_case(cls, lines, **values):
        """A case ready to close: solution written, supplies ``[(product, qty)]``."""
        return cls._create_case(
            solution="<p>Done</p>",
            line_ids=[
                Command.create({"product_id": product.id, "quantity": qty})
                for product, qty in lines
            ],
            **values,
        )

    @classmethod
    def _create_case(cls, **values):
        vals = {
            "name": "Leaks water",
            "partner_id": cls.customer.id,
            "symptom": "<p>Water under the machine</p>",
            "case_type": "billable",
        }
        vals.update(values)
        return cls.env["sat.case"].create(vals)


def lock_waiters(cr):
    """How many database sessions wait for a lock (other workers blocked by ``cr``)."""
    # Statistics views are snapshotted once per transaction unless cleared.
    cr.execute("SELECT pg_stat_clear_snapshot()")
    cr.execute(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    return cr.fetchone()[0]


def wait_for_lock_waiter(cr, thread, timeout=10.0):
    """True once the worker in ``thread`` waits for a lock held by ``cr``'s transaction;
    False if it finished or never waited."""
    for _i in range(int(timeout / 0.05)):
        if not thread.is_alive():
            return False
        if lock_waiters(cr):
            return True
        time.sleep(0.05)
    return False
