from odoo import Command
from odoo.tests import tagged

from .common import SatCommon


@tagged("post_install", "-at_install")
class TestSatStock(SatCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.sat_invoice_on_close = False
        cls.customers_location = cls.env.ref("stock.stock_location_customers")
        cls.Quant = cls.env["stock.quant"]

    def _on_hand(self, product, lot=None, location=None):
        return self.Quant._get_available_quantity(
            product, location or self.stock_location, lot_id=lot, strict=bool(lot)
        )

    def test_storable_supplies_leave_stock_on_close(self):
        spare = self.env["stock.lot"].create(
            {"name": "SPARE-001", "product_id": self.machine.id}
        )
        self.Quant._update_available_quantity(
            self.machine, self.stock_location, 1, lot_id=spare
        )
        case = self._create_case(
            solution="<p>Exchanged the unit</p>",
            line_ids=[
                Command.create({"product_id": self.pump.id, "quantity": 3}),
                Command.create({"product_id": self.machine.id, "lot_id": spare.id}),
                Command.create({"product_id": self.service.id, "quantity": 2}),
            ],
        )
        result = case.with_user(self.sat_user).action_close()
        self.assertTrue(result is True, "enough stock: no question asked")
        self.assertTrue(case.is_closed)
        picking = case.picking_ids
        self.assertEqual(len(picking), 1)
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.origin, case.reference)
        self.assertEqual(picking.partner_id, self.customer)
        self.assertEqual(picking.location_id, self.stock_location)
        self.assertEqual(picking.location_dest_id, self.customers_location)
        self.assertEqual(
            picking.move_ids.product_id, self.pump | self.machine, "services stay out"
        )
        self.assertEqual(self._on_hand(self.pump), 97)
        self.assertEqual(self._on_hand(self.machine, spare), 0)
        self.assertEqual(
            self._on_hand(self.machine, spare, self.customers_location),
            1,
            "the serial is now at the customer's",
        )
        self.assertEqual(picking.move_line_ids.filtered("lot_id").lot_id, spare)
        self.assertEqual(case.line_ids[0].qty_consumed, 3)

    def test_one_product_in_two_supplies(self):
        """Two supplies of one product (added by two technicians, say): each leaves
        stock with its own move, and the case closes (Odoo merged the two moves, and
        the closing failed on the one it deleted)."""
        case = self._create_case(
            solution="<p>Two pumps</p>",
            line_ids=[
                Command.create({"product_id": self.pump.id, "quantity": 1}),
                Command.create({"product_id": self.pump.id, "quantity": 2}),
            ],
        )
        self.assertTrue(case.with_user(self.sat_user).action_close() is True)
        self.assertEqual(case.picking_ids.state, "done")
        self.assertEqual(len(case.picking_ids.move_ids), 2)
        self.assertEqual(case.line_ids.mapped("qty_consumed"), [1, 2])
        self.assertEqual(self._on_hand(self.pump), 97)

    def test_case_supplies_are_no_shipment(self):
        """Odoo mails "your order has been shipped" when a delivery is validated (and
        texts it with stock_sms): never for the supplies of a support case."""
        self.company.stock_move_email_validation = True
        self.customer.write(
            {"email": "buyer@customer.example", "phone": "+34600000000"}
        )
        case = self._create_case(
            solution="<p>Replaced the pump</p>",
            line_ids=[Command.create({"product_id": self.pump.id, "quantity": 1})],
        )
        case.with_user(self.sat_user).action_close()
        self.assertEqual(case.picking_ids.state, "done")
        picking = case.picking_ids
        self.assertFalse(
            picking.message_ids.filtered(lambda m: picking.name in (m.subject or "")),
            "no shipping mail",
        )
        # A real delivery of the same company still tells its customer.
        delivery = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.out_type_id.id,
                "partner_id": self.customer.id,
                "location_id": self.stock_location.id,
                "location_dest_id": self.customers_location.id,
                "move_ids": [
                    Command.create(
                        {
                            "name": self.pump.name,
                            "product_id": self.pump.id,
                            "product_uom_qty": 1,
                            "location_id": self.stock_location.id,
                            "location_dest_id": self.customers_location.id,
                        }
                    )
                ],
            }
        )
        delivery.action_confirm()
        delivery.move_ids.quantity = 1
        delivery.move_ids.picked = True
        delivery._action_done()
        self.assertTrue(
            delivery.message_ids.filtered(lambda m: delivery.name in (m.subject or "")),
            "the shipping mail of a real delivery",
        )

    def test_reopening_does_not_consume_twice(self):
        case = self._create_solved_case([(self.pump, 2)])
        case.action_close()
        self.assertEqual(self._on_hand(self.pump), 98)
        case.with_user(self.sat_manager).action_reopen()
        case.action_close()
        self.assertEqual(self._on_hand(self.pump), 98)
        self.assertEqual(len(case.picking_ids), 1)
        # One more part found on reopening: only that one leaves stock.
        case.with_user(self.sat_manager).action_reopen()
        case.line_ids.quantity = 3
        case.action_close()
        self.assertEqual(self._on_hand(self.pump), 97)
        self.assertEqual(len(case.picking_ids), 2)

    def test_not_enough_stock_asks_and_waits(self):
        case = self._create_solved_case([(self.pump, 150)])
        action = case.with_user(self.sat_user).action_close()
        self.assertEqual(action["res_model"], "sat.case.close.wizard")
        self.assertFalse(case.is_closed, "nothing happens before the user chooses")
        wizard = (
            self.env["sat.case.close.wizard"]
            .browse(action["res_id"])
            .with_user(self.sat_user)
        )
        self.assertEqual(wizard.line_ids.product_id, self.pump)
        self.assertEqual(wizard.line_ids.quantity_needed, 150)
        self.assertEqual(wizard.line_ids.quantity_available, 100)
        wizard.action_close_and_wait()
        self.assertTrue(case.is_closed)
        self.assertNotEqual(case.picking_ids.state, "done")
        self.assertEqual(self._on_hand(self.pump), 0, "100 reserved for the case")
        self.assertEqual(
            self.Quant._get_available_quantity(
                self.pump, self.stock_location, allow_negative=True
            ),
            0,
            "never negative",
        )
        self.assertTrue(
            case.message_ids.filtered(lambda m: case.picking_ids.name in (m.body or ""))
        )

    def test_not_enough_stock_consume_anyway(self):
        case = self._create_solved_case([(self.pump, 150)])
        action = case.action_close()
        self.env["sat.case.close.wizard"].browse(
            action["res_id"]
        ).action_close_and_consume()
        self.assertEqual(case.picking_ids.state, "done")
        quants = self.Quant.search(
            [
                ("product_id", "=", self.pump.id),
                ("location_id", "=", self.stock_location.id),
            ]
        )
        self.assertEqual(
            sum(quants.mapped("quantity")), -50, "the user chose to go negative"
        )

    def test_cancelled_case_consumes_nothing(self):
        case = self._create_solved_case([(self.pump, 2)])
        case.action_cancel()
        self.assertFalse(case.picking_ids)
        self.assertEqual(self._on_hand(self.pump), 100)

    def test_team_warehouse(self):
        warehouse = self.env["stock.warehouse"].create(
            {"name": "Van 1", "code": "VAN1"}
        )
        self.Quant._update_available_quantity(self.pump, warehouse.lot_stock_id, 5)
        self.team.warehouse_id = warehouse
        case = self._create_solved_case([(self.pump, 2)], team_id=self.team.id)
        case.action_close()
        self.assertEqual(case.picking_ids.location_id, warehouse.lot_stock_id)
        self.assertEqual(self._on_hand(self.pump, location=warehouse.lot_stock_id), 3)
        self.assertEqual(self._on_hand(self.pump), 100)
