from odoo import api, fields, models
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

    @api.depends("product_id", "product_uom_id")
    def _compute_price_unit(self):
        for line in self.filtered("product_id"):
            product = line.product_id.with_company(line.company_id)
            uom = line.product_uom_id or product.uom_id
            line.price_unit = product.uom_id._compute_price(product.lst_price, uom)

    @api.depends("product_id", "case_id.partner_id")
    def _compute_tax_ids(self):
        fiscal_positions = {}
        for line in self:
            company = line.company_id or self.env.company
            taxes = line.product_id.taxes_id._filter_taxes_by_company(company)
            key = (line.case_id.partner_id, company)
            if key not in fiscal_positions:
                fiscal_positions[key] = (
                    self.env["account.fiscal.position"]
                    .with_company(company)
                    ._get_fiscal_position(key[0])
                    if key[0]
                    else self.env["account.fiscal.position"]
                )
            line.tax_ids = fiscal_positions[key].map_tax(taxes)

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
