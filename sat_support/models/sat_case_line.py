from odoo import Command, api, fields, models
from odoo.exceptions import ValidationError


class SatCaseLine(models.Model):
    _name = "sat.case.line"
    _description = "Support Case Supply"
    _order = "case_id, sequence, id"
    _check_company_auto = True

    case_id = fields.Many2one("sat.case", required=True, index=True, ondelete="cascade")
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(related="case_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="case_id.currency_id")
    partner_id = fields.Many2one(related="case_id.partner_id")
    product_id = fields.Many2one(
        "product.product",
        required=True,
        check_company=True,
        domain="[('type', 'in', ('consu', 'service'))]",
    )
    product_type = fields.Selection(related="product_id.type")
    name = fields.Text(
        string="Description",
        compute="_compute_name",
        store=True,
        readonly=False,
        precompute=True,
    )
    quantity = fields.Float(
        default=1.0, digits="Product Unit of Measure", required=True
    )
    product_uom_category_id = fields.Many2one(related="product_id.uom_id.category_id")
    product_uom_id = fields.Many2one(
        "uom.uom",
        string="Unit",
        compute="_compute_product_uom_id",
        store=True,
        readonly=False,
        precompute=True,
        domain="[('category_id', '=', product_uom_category_id)]",
    )
    price_unit = fields.Float(
        string="Unit Price",
        digits="Product Price",
        compute="_compute_price_unit",
        store=True,
        readonly=False,
        precompute=True,
    )
    discount = fields.Float(string="Discount (%)", digits="Discount")
    tax_ids = fields.Many2many(
        "account.tax",
        string="Taxes",
        compute="_compute_tax_ids",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
        domain="[('type_tax_use', '=', 'sale')]",
    )
    lot_id = fields.Many2one(
        "stock.lot",
        string="Lot/Serial",
        check_company=True,
        domain="[('product_id', '=', product_id)]",
    )
    move_ids = fields.One2many("stock.move", "sat_case_line_id", string="Stock Moves")
    invoice_line_ids = fields.One2many(
        "account.move.line", "sat_case_line_id", string="Invoice Lines"
    )
    qty_consumed = fields.Float(
        string="Consumed",
        compute="_compute_qty_consumed",
        digits="Product Unit of Measure",
        help="Quantity already taken from stock (or on its way), in the line's unit.",
    )
    price_subtotal = fields.Monetary(
        string="Subtotal", compute="_compute_amount", store=True
    )
    price_tax = fields.Monetary(string="Tax", compute="_compute_amount", store=True)
    price_total = fields.Monetary(string="Total", compute="_compute_amount", store=True)

    @api.depends("product_id")
    def _compute_name(self):
        for line in self.filtered("product_id"):
            line.name = line.product_id.get_product_multiline_description_sale()

    @api.depends("product_id")
    def _compute_product_uom_id(self):
        for line in self:
            if (
                line.product_id
                and line.product_uom_id.category_id
                != line.product_id.uom_id.category_id
            ):
                line.product_uom_id = line.product_id.uom_id

    @api.depends("product_id", "product_uom_id", "case_id.pricelist_id")
    def _compute_price_unit(self):
        for line in self.filtered("product_id"):
            case = line.case_id
            uom = line.product_uom_id or line.product_id.uom_id
            if case.pricelist_id:
                line.price_unit = case.pricelist_id._get_product_price(
                    line.product_id,
                    line.quantity or 1.0,
                    currency=case.currency_id,
                    uom=uom,
                    date=case.date_received,
                )
                continue
            product = line.product_id.with_company(line.company_id)
            price = product.uom_id._compute_price(product.lst_price, uom)
            line.price_unit = product.currency_id._convert(
                price,
                case.currency_id,
                line.company_id,
                fields.Date.context_today(line),
            )

    @api.depends("product_id", "case_id.fiscal_position_id")
    def _compute_tax_ids(self):
        for line in self:
            company = line.company_id or self.env.company
            taxes = line.product_id.taxes_id._filter_taxes_by_company(company)
            line.tax_ids = line.case_id.fiscal_position_id.map_tax(taxes)

    @api.depends("move_ids.state", "move_ids.product_uom_qty", "product_uom_id")
    def _compute_qty_consumed(self):
        for line in self:
            line.qty_consumed = sum(
                move.product_uom._compute_quantity(
                    move.product_uom_qty, line.product_uom_id
                )
                for move in line.move_ids
                if move.state != "cancel"
            )

    def _prepare_base_line_for_taxes_computation(self):
        self.ensure_one()
        return self.env["account.tax"]._prepare_base_line_for_taxes_computation(
            self,
            partner_id=self.case_id.partner_id,
            currency_id=self.currency_id or self.company_id.currency_id,
        )

    @api.depends("quantity", "price_unit", "discount", "tax_ids")
    def _compute_amount(self):
        AccountTax = self.env["account.tax"]
        for line in self:
            base_line = line._prepare_base_line_for_taxes_computation()
            AccountTax._add_tax_details_in_base_line(base_line, line.company_id)
            line.price_subtotal = base_line["tax_details"][
                "raw_total_excluded_currency"
            ]
            line.price_total = base_line["tax_details"]["raw_total_included_currency"]
            line.price_tax = line.price_total - line.price_subtotal

    def _prepare_invoice_line_values(self):
        """Values of this supply's customer invoice line; a hook for other modules."""
        self.ensure_one()
        return {
            "display_type": "product",
            "sat_case_line_id": self.id,
            "product_id": self.product_id.id,
            "name": self.name,
            "quantity": self.quantity,
            "product_uom_id": self.product_uom_id.id,
            "price_unit": self.price_unit,
            "discount": self.discount,
            "tax_ids": [Command.set(self.tax_ids.ids)],
        }

    def _prepare_stock_move_values(self, picking, quantity):
        """Values of the move that takes this supply out of stock."""
        self.ensure_one()
        return {
            "name": self.product_id.display_name,
            "origin": self.case_id.reference,
            "product_id": self.product_id.id,
            "product_uom_qty": quantity,
            "product_uom": self.product_uom_id.id,
            "location_id": picking.location_id.id,
            "location_dest_id": picking.location_dest_id.id,
            "picking_id": picking.id,
            "picking_type_id": picking.picking_type_id.id,
            "partner_id": picking.partner_id.id,
            "company_id": picking.company_id.id,
            "sat_case_line_id": self.id,
        }

    @api.constrains("lot_id", "product_id")
    def _check_lot_product(self):
        for line in self.filtered("lot_id"):
            if line.lot_id.product_id != line.product_id:
                raise ValidationError(
                    self.env._(
                        "Lot/serial %(lot)s does not belong to %(product)s.",
                        lot=line.lot_id.name,
                        product=line.product_id.display_name,
                    )
                )

    @api.constrains("price_unit", "discount")
    def _check_price(self):
        if any(line.discount < 0 or line.discount > 100 for line in self):
            raise ValidationError(
                self.env._("A supply's discount must be between 0 and 100 %.")
            )
        negative = self.filtered(lambda line: line.price_unit < 0)
        if negative and not (
            self.env.su or self.env.user.has_group("sat_support.group_sat_manager")
        ):
            raise ValidationError(
                self.env._(
                    "Only a SAT manager can enter a negative price (a credit line): "
                    "%(products)s.",
                    products=", ".join(negative.product_id.mapped("display_name")),
                )
            )

    @api.constrains("quantity")
    def _check_quantity(self):
        if any(line.quantity <= 0 for line in self):
            raise ValidationError(
                self.env._("The quantity of a supply must be positive.")
            )

    def write(self, vals):
        self.case_id._check_locked({"line_ids": True})
        return super().write(vals)

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.case_id._check_locked({"line_ids": True})
        return lines

    def unlink(self):
        self.case_id._check_locked({"line_ids": True})
        return super().unlink()
