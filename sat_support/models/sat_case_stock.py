from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, format_amount


class SatCase(models.Model):
    """What a case moves in the warehouse: the supplies that leave stock on closing,
    and the returns and replacement units of after-sales service."""

    # One model, several files: behaviour sits beside the data it works on, as
    # repair keeps its stock logic apart (the check counts files per model).
    _inherit = "sat.case"  # pylint: disable=consider-merging-classes-inherited

    picking_ids = fields.One2many("stock.picking", "sat_case_id", string="Transfers")
    picking_count = fields.Integer(compute="_compute_picking_count", compute_sudo=True)
    after_sales_picking_ids = fields.One2many(
        "stock.picking",
        "sat_after_sales_case_id",
        string="Returns and Replacements",
    )
    after_sales_picking_count = fields.Integer(
        compute="_compute_picking_count", compute_sudo=True
    )

    @api.depends("picking_ids", "after_sales_picking_ids")
    def _compute_picking_count(self):
        for case in self:
            case.picking_count = len(case.picking_ids)
            case.after_sales_picking_count = len(case.after_sales_picking_ids)

    def action_view_pickings(self):
        self.ensure_one()
        return self.picking_ids._get_records_action(name=self.env._("Transfers"))

    def action_view_after_sales_pickings(self):
        self.ensure_one()
        return self.after_sales_picking_ids._get_records_action(
            name=self.env._("Returns and Replacements")
        )

    def _get_customer_delivery(self):
        """The last transfer that delivered the case's serial (else its product) to
        the customer."""
        self.ensure_one()
        if not self.product_id:
            raise UserError(
                self.env._(
                    "Set the product (or the serial) of %(case)s first.",
                    case=self.reference,
                )
            )
        domain = [
            ("state", "=", "done"),
            ("location_dest_id.usage", "=", "customer"),
            (
                "picking_id.partner_id",
                "child_of",
                self.partner_id.commercial_partner_id.id,
            ),
            ("lot_id", "=", self.lot_id.id)
            if self.lot_id
            else ("product_id", "=", self.product_id.id),
        ]
        line = self.env["stock.move.line"].search(
            domain, order="date desc, id desc", limit=1
        )
        if not line:
            raise UserError(
                self.env._(
                    "No delivery of %(item)s to %(customer)s was found to return.",
                    item=self.lot_id.name or self.product_id.display_name,
                    customer=self.partner_id.commercial_partner_id.display_name,
                )
            )
        return line.picking_id

    def action_sat_return(self):
        """Odoo's return of the delivery that shipped the serial or product."""
        self.ensure_one()
        delivery = self._get_customer_delivery()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Return of %(picking)s", picking=delivery.name),
            "res_model": "stock.return.picking",
            "view_mode": "form",
            "target": "new",
            "context": {
                "active_id": delivery.id,
                "active_ids": delivery.ids,
                "active_model": "stock.picking",
                "sat_after_sales_case_id": self.id,
            },
        }

    def action_sat_replace(self):
        """A delivery of a replacement unit to the customer, ready for the
        warehouse to pick a serial. The unit is a supply of the case, delivered by
        this transfer: invoiced with a billable case, a cost of a free one."""
        self.ensure_one()
        if not self.product_id:
            raise UserError(
                self.env._("Set the product of %(case)s first.", case=self.reference)
            )
        line = self.env["sat.case.line"]
        if not self.is_locked:
            line = line.create(
                {"case_id": self.id, "product_id": self.product_id.id, "quantity": 1}
            )
        picking = self.env["stock.picking"].create(
            self._prepare_replacement_values(line)
        )
        picking.action_confirm()
        picking.action_assign()
        if line and self.is_billable:
            charge = self.env._(
                "%(amount)s with the case's invoice",
                amount=format_amount(self.env, line.price_total, self.currency_id),
            )
        elif line:
            charge = self.env._("at no charge")
        else:
            charge = self.env._("the case is closed: invoice it apart if due")
        self.message_post(
            body=self.env._(
                "Replacement %(picking)s of %(product)s created (%(charge)s).",
                picking=picking._get_html_link(),
                product=self.product_id.display_name,
                charge=charge,
            ),
            subtype_xmlid="mail.mt_note",
        )
        return picking._get_records_action(name=self.env._("Replacement"))

    def _prepare_replacement_values(self, line):
        warehouse = self._get_supply_warehouse()
        customers = self.env.ref("stock.stock_location_customers")
        return {
            "picking_type_id": warehouse.out_type_id.id,
            "partner_id": (self.reporter_id or self.partner_id).id,
            "location_id": warehouse.lot_stock_id.id,
            "location_dest_id": customers.id,
            "origin": self.env._("Replacement for %(case)s", case=self.reference),
            "sat_after_sales_case_id": self.id,
            "company_id": self.company_id.id,
            "move_ids": [
                Command.create(
                    {
                        "name": self.product_id.display_name,
                        "product_id": self.product_id.id,
                        "product_uom_qty": 1,
                        "location_id": warehouse.lot_stock_id.id,
                        "location_dest_id": customers.id,
                        # The case's closing takes the unit from stock no second time.
                        "sat_case_line_id": line.id,
                    }
                )
            ],
        }

    def _get_lines_to_consume(self):
        return self.line_ids.filtered(
            lambda line: (
                line.product_id.is_storable
                # A replacement unit leaves by its own delivery, even a cancelled one.
                and not line.move_ids.picking_id.sat_after_sales_case_id
                and float_compare(
                    line.quantity,
                    line.qty_consumed,
                    precision_rounding=line.product_uom_id.rounding,
                )
                > 0
            )
        )

    def _get_supply_warehouse(self):
        self.ensure_one()
        return self.team_id.warehouse_id or self.env["stock.warehouse"].search(
            [("company_id", "=", self.company_id.id)], limit=1
        )

    def _prepare_picking_values(self):
        self.ensure_one()
        warehouse = self._get_supply_warehouse()
        if not warehouse:
            raise UserError(
                self.env._(
                    "Company %(company)s has no warehouse to take the supplies of "
                    "%(case)s from.",
                    company=self.company_id.name,
                    case=self.reference,
                )
            )
        picking_type = warehouse.out_type_id
        return {
            "picking_type_id": picking_type.id,
            "location_id": warehouse.lot_stock_id.id,
            "location_dest_id": self.partner_id.property_stock_customer.id
            or self.env.ref("stock.stock_location_customers").id,
            "partner_id": self.partner_id.id,
            "origin": self.reference,
            "company_id": self.company_id.id,
            "sat_case_id": self.id,
        }

    def _get_stock_shortages(self):
        """(line, needed, available) for each supply the stock cannot cover."""
        Quant = self.env["stock.quant"].sudo()
        shortages = []
        for line in self.sudo()._get_lines_to_consume():
            warehouse = line.case_id._get_supply_warehouse()
            needed = line.product_uom_id._compute_quantity(
                line.quantity - line.qty_consumed, line.product_id.uom_id
            )
            available = Quant._get_available_quantity(
                line.product_id, warehouse.lot_stock_id, lot_id=line.lot_id or None
            )
            if (
                float_compare(
                    available,
                    needed,
                    precision_rounding=line.product_id.uom_id.rounding,
                )
                < 0
            ):
                shortages.append((line, needed, max(available, 0.0)))
        return shortages

    def _consume_supplies(self):
        """Take the storable supplies out of stock in one transfer per case.

        Runs as superuser: closing a case moves stock whether or not the technician
        has inventory rights. A transfer the stock cannot cover stays open, waiting
        for the parts, unless the user chose to consume them anyway."""
        force = self.env.context.get("sat_force_consume")
        for case in self.sudo():
            lines = case._get_lines_to_consume()
            if not lines:
                continue
            picking = (
                self.env["stock.picking"].sudo().create(case._prepare_picking_values())
            )
            moves = (
                self.env["stock.move"]
                .sudo()
                .create(
                    [
                        line._prepare_stock_move_values(
                            picking, line.quantity - line.qty_consumed
                        )
                        for line in lines
                    ]
                )
            )
            picking.action_confirm()
            picking.action_assign()
            for move in moves:
                if force:
                    move.quantity = move.product_uom_qty
                lot = move.sat_case_line_id.lot_id
                if lot and move.move_line_ids:
                    move.move_line_ids.write({"lot_id": lot.id})
            if force or all(move.state == "assigned" for move in moves):
                moves.picked = True
                picking._action_done()
            else:
                case.message_post(
                    body=self.env._(
                        "Not enough stock for the supplies: transfer %(picking)s waits "
                        "for them.",
                        picking=picking._get_html_link(),
                    )
                )
