from datetime import date, datetime

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import SatCommon


@tagged("post_install", "-at_install")
class TestSatWarranty(SatCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.machine.sat_warranty_months = 24
        cls.expired_lot = cls.env["stock.lot"].create(
            {
                "name": "TST-OLD-01",
                "product_id": cls.machine.id,
                "sat_warranty_start": "2024-01-15",
            }
        )

    def test_warranty_starts_with_the_delivery(self):
        self._deliver(self.lot, self.customer)
        today = fields.Date.context_today(self.lot)
        self.assertEqual(self.lot.sat_warranty_start, today)
        self.assertEqual(
            self.lot.sat_warranty_end,
            fields.Date.add(today, months=24, days=-1),
        )
        # A unit that leaves again (a repair, a replacement) keeps its first start.
        self._deliver(self.expired_lot, self.customer)
        self.assertEqual(self.expired_lot.sat_warranty_start, date(2024, 1, 15))
        # Goods sold elsewhere: the start is set by hand on the serial.
        self.lot_grinder.sat_warranty_start = "2026-03-01"
        self.assertFalse(self.lot_grinder.sat_warranty_end, "a grinder: no warranty")
        self.grinder.sat_warranty_months = 6
        self.assertEqual(self.lot_grinder.sat_warranty_end, date(2026, 8, 31))

    def test_warranty_days_are_the_users_days(self):
        """A delivery and a case are dated in the user's time zone alike: in
        Auckland, 12:30 UTC on 1 March is already 2 March."""
        self.env.user.tz = self.sat_user.tz = "Pacific/Auckland"
        with freeze_time("2026-03-01 12:30:00"):
            self._deliver(self.lot, self.customer)
            self.assertEqual(self.lot.sat_warranty_start, date(2026, 3, 2))
            case = self._create_case(lot_id=self.lot.id, product_id=self.machine.id)
            self.assertEqual(case.warranty_status, "covered")
        # The last day covered of the old serial is 14 January, local time.
        late = self._create_case(
            lot_id=self.expired_lot.id,
            product_id=self.machine.id,
            date_received=datetime(2026, 1, 14, 12, 0),  # 15 January in Auckland
        )
        self.assertEqual(late.with_user(self.sat_user).warranty_status, "expired")

    def test_covered_then_expired_at_the_boundary_day(self):
        # 24 months from 2024-01-15: the last day covered is 2026-01-14.
        self.assertEqual(self.expired_lot.sat_warranty_end, date(2026, 1, 14))
        last_day = self._create_case(
            lot_id=self.expired_lot.id,
            product_id=self.machine.id,
            date_received=datetime(2026, 1, 14, 22, 0),
        )
        next_day = self._create_case(
            lot_id=self.expired_lot.id,
            product_id=self.machine.id,
            date_received=datetime(2026, 1, 15, 8, 0),
        )
        self.assertEqual(last_day.warranty_status, "covered")
        self.assertEqual(last_day.warranty_info, "Under warranty until 01/14/2026")
        self.assertEqual(next_day.warranty_status, "expired")
        self.assertEqual(next_day.warranty_info, "Warranty expired on 01/14/2026")
        unknown = self._create_case(lot_id=self.lot.id, product_id=self.machine.id)
        self.assertFalse(unknown.warranty_status, "never delivered: unknown")

    def test_type_proposed_from_the_serial(self):
        self._deliver(self.lot, self.customer)
        with Form(self.env["sat.case"].with_user(self.sat_user)) as form:
            form.name = "Leaks"
            form.partner_id = self.customer
            form.lot_id = self.lot
            self.assertEqual(form.case_type, "warranty")
            form.lot_id = self.expired_lot
            self.assertEqual(form.case_type, "billable")
            form.case_type = "courtesy"  # the usual answer to an expired serial
        self.assertEqual(form.record.case_type, "courtesy")

    def test_warranty_on_an_expired_serial_needs_a_manager(self):
        case = self._create_case(lot_id=self.expired_lot.id, product_id=self.machine.id)
        with self.assertRaisesRegex(ValidationError, "only a SAT manager"):
            case.with_user(self.sat_user).case_type = "warranty"
        case.with_user(self.sat_manager).case_type = "warranty"
        self.assertEqual(case.case_type, "warranty")
        note = case.message_ids.filtered(lambda m: "Warranty granted" in m.body)
        self.assertEqual(len(note), 1)
        self.assertIn("Mia Manager", note.body)
        self.assertIn("TST-OLD-01", note.body)
        self.assertTrue(note.subtype_id.internal, "a note, not a mail to the customer")
