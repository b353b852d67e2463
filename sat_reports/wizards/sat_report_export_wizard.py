import tempfile
from datetime import datetime, time

import pytz
import xlsxwriter
from dateutil.relativedelta import relativedelta
from werkzeug.urls import url_encode

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.sat_support.models.sat_case_type_mixin import CASE_TYPES

# Figures added up per breakdown row: (field of sat.case.report, aggregate, format);
# their titles are the fields' (translated) labels.
MEASURES = [
    ("nbr", "sum", "int"),
    ("hours_first_response", "avg", "hours"),
    ("hours_to_close", "avg", "hours"),
    ("work_hours_to_close", "avg", "hours"),
    ("sla_met", "sum", "int"),
    ("sla_breached", "sum", "int"),
    ("supplies_cost", "sum", "money"),
    ("amount_invoiced", "sum", "money"),
    ("amount_invoiced_total", "sum", "money"),
    ("amount_paid", "sum", "money"),
    ("amount_due", "sum", "money"),
    ("rating", "avg", "rating"),
]
AGGREGATES = [f"{fname}:{aggregate}" for fname, aggregate, _fmt in MEASURES]
# Columns added up in a breakdown's total row (averages are not).
SUMMED = [
    col for col, (_f, aggregate, _fmt) in enumerate(MEASURES, 1) if aggregate == "sum"
]
# The case list: (field of sat.case.report, format); many2one fields by name.
CASE_COLUMNS = [
    ("reference", None),
    ("name", None),
    ("date_received", "datetime"),
    ("date_closed", "datetime"),
    ("partner_id", None),
    ("country_id", None),
    ("product_id", None),
    ("lot_id", None),
    ("category_id", None),
    ("case_type", None),
    ("priority", None),
    ("team_id", None),
    ("user_id", None),
    ("stage_id", None),
    ("hours_first_response", "hours"),
    ("hours_to_close", "hours"),
    ("work_hours_to_close", "hours"),
    ("sla_met", "int"),
    ("sla_breached", "int"),
    ("supplies_cost", "money"),
    ("amount_invoiced", "money"),
    ("amount_invoiced_total", "money"),
    ("amount_paid", "money"),
    ("amount_due", "money"),
    ("rating", "rating"),
]
CHUNK = 5000


class SatReportExportWizard(models.TransientModel):
    _name = "sat.report.export.wizard"
    _description = "Export Support Statistics to Excel"

    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: (
            fields.Date.context_today(self).replace(day=1) - relativedelta(months=11)
        ),
    )
    date_to = fields.Date(
        string="To", required=True, default=lambda self: fields.Date.context_today(self)
    )
    team_ids = fields.Many2many("sat.team", string="Teams")
    category_ids = fields.Many2many("sat.case.category", string="Case Categories")
    include_warranty = fields.Boolean(string="Warranty", default=True)
    include_courtesy = fields.Boolean(string="Courtesy", default=True)
    include_billable = fields.Boolean(string="Billable", default=True)
    case_ids = fields.Many2many(
        "sat.case",
        string="Selected Cases",
        help="When cases are selected in a list, exactly those are exported.",
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if (
            self.env.context.get("active_model") == "sat.case"
            and self.env.context.get("active_ids")
            and "case_ids" in fields_list
        ):
            values["case_ids"] = [fields.Command.set(self.env.context["active_ids"])]
        return values

    def _get_case_types(self):
        return [
            case_type
            for case_type, _label in CASE_TYPES
            if self[f"include_{case_type}"]
        ]

    @api.constrains("date_from", "date_to")
    def _check_period(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise ValidationError(self.env._("The period ends before it starts."))

    # ------------------------------------------------------------------ data
    def _get_domain(self):
        self.ensure_one()
        if self.case_ids:
            return [("case_id", "in", self.case_ids.ids)]
        case_types = self._get_case_types()
        if not case_types:
            raise UserError(self.env._("Choose at least one case type to export."))
        domain = [
            ("date_received", ">=", datetime.combine(self.date_from, time.min)),
            ("date_received", "<=", datetime.combine(self.date_to, time.max)),
            ("case_type", "in", case_types),
        ]
        if self.team_ids:
            domain.append(("team_id", "in", self.team_ids.ids))
        if self.category_ids:
            domain.append(("category_id", "in", self.category_ids.ids))
        return domain

    def _get_breakdown(self, domain, groupby):
        """Rows ``(label, [figures])`` of the cases grouped by ``groupby``."""
        Report = self.env["sat.case.report"]
        rows = []
        for group, *figures in Report._read_group(domain, [groupby], AGGREGATES):
            if groupby == "category_id" and not group:
                label = self.env._("No category")
            elif isinstance(group, models.BaseModel):
                label = group.display_name or self.env._("None")
            elif groupby.startswith("date_received"):
                label = group.strftime("%Y-%m") if group else self.env._("None")
            else:
                label = dict(Report._fields[groupby].selection).get(group) or str(group)
            rows.append((label, [value or 0 for value in figures]))
        return rows

    # ------------------------------------------------------------------ workbook
    def action_export(self):
        """Downloads the workbook from a read-only route: with a read replica
        configured, the statistics are read there, not on the primary."""
        self.ensure_one()
        [[count]] = self.env["sat.case.report"]._read_group(
            self._get_domain(), [], ["nbr:sum"]
        )
        if not count:
            raise UserError(
                self.env._(
                    "No support case matches: no case was received between %(start)s "
                    "and %(end)s for the chosen teams, categories and types.",
                    start=self.date_from,
                    end=self.date_to,
                )
            )
        return {
            "type": "ir.actions.act_url",
            "url": f"/sat_reports/export?{url_encode(self._get_export_params())}",
            "target": "self",
        }

    def _get_export_params(self):
        """The wizard's choices, enough to build the workbook again anywhere: the
        replica may not have the wizard's row yet. A selection of cases (thousands
        of ids, too many for an address) is named by the export that holds it."""
        if self.case_ids:
            return {"export_id": self.id}
        return {
            "date_from": fields.Date.to_string(self.date_from),
            "date_to": fields.Date.to_string(self.date_to),
            "team_ids": ",".join(map(str, self.team_ids.ids)),
            "category_ids": ",".join(map(str, self.category_ids.ids)),
            "case_types": ",".join(self._get_case_types()),
            "case_ids": ",".join(map(str, self.case_ids.ids)),
        }

    @api.model
    def _new_from_params(self, params):
        if params.get("export_id"):
            return self._get_saved_export(params["export_id"])

        def ids(name):
            values = [value for value in (params.get(name) or "").split(",") if value]
            if not all(value.isdigit() for value in values):
                raise UserError(self.env._("This export's address is not valid."))
            return [int(value) for value in values]

        def day(name):
            try:
                return fields.Date.to_date(params.get(name))
            except ValueError as error:
                raise UserError(
                    self.env._("This export's address is not valid.")
                ) from error

        types = set((params.get("case_types") or "").split(","))
        wizard = self.new(
            {
                "date_from": day("date_from"),
                "date_to": day("date_to"),
                "team_ids": [fields.Command.set(ids("team_ids"))],
                "category_ids": [fields.Command.set(ids("category_ids"))],
                "case_ids": [fields.Command.set(ids("case_ids"))],
                **{
                    f"include_{case_type}": case_type in types
                    for case_type, _label in CASE_TYPES
                },
            }
        )
        if not (wizard.date_from and wizard.date_to):
            raise UserError(self.env._("Choose the period to export."))
        wizard._check_period()
        return wizard

    @api.model
    def _get_saved_export(self, export_id):
        """The user's own export, with its selection of cases. Not on the read
        replica yet (just saved on the primary), it is asked for with a row lock:
        a write, which a read-only cursor refuses, and Odoo then answers the request
        again on the primary."""
        if not str(export_id).isdigit():
            raise UserError(self.env._("This export's address is not valid."))
        wizard = self.search([("id", "=", int(export_id))])
        if not wizard and self.env.cr.readonly:
            self.env.cr.execute(
                "SELECT id FROM sat_report_export_wizard WHERE id = %s FOR UPDATE",
                [int(export_id)],
            )
        if not wizard:
            raise UserError(
                self.env._("This export is no longer available: export again.")
            )
        return wizard

    def _get_export_filename(self):
        return self.env._(
            "support-statistics-%(start)s-%(end)s.xlsx",
            start=self.date_from,
            end=self.date_to,
        )

    def _build_workbook(self):
        """The workbook's bytes, read only: nothing is written, in the database
        or elsewhere but a temporary file."""
        self.ensure_one()
        domain = self._get_domain()
        summary = self.env["sat.case.report"]._read_group(domain, [], AGGREGATES)[0]
        # Constant-memory mode writes each row to a temporary file once it is done:
        # the workbook of 100,000 cases stays in bounded memory.
        with tempfile.NamedTemporaryFile(suffix=".xlsx") as output:
            workbook = xlsxwriter.Workbook(
                output.name,
                {"constant_memory": True, "remove_timezone": True},
            )
            writer = _Writer(self, workbook)
            writer.summary(summary)
            for key, title, groupby in self._breakdown_sheets():
                writer.breakdown(title, self._get_breakdown(domain, groupby), chart=key)
            # Cancelled cases (duplicates, mistakes) are no failures.
            failures = [*domain, ("is_cancel", "=", False)]
            writer.root_causes(failures)
            writer.cases(domain)
            workbook.close()
            output.seek(0)
            return output.read()

    def _breakdown_sheets(self):
        return [
            ("product", self.env._("By Product"), "product_id"),
            ("category", self.env._("By Category"), "category_id"),
            ("team", self.env._("By Team"), "team_id"),
            ("customer", self.env._("By Customer"), "partner_id"),
            ("month", self.env._("By Month"), "date_received:month"),
        ]


class _Writer:
    """Writes the sheets of the statistics workbook, in order (constant memory)."""

    def __init__(self, wizard, workbook):
        self.wizard, self.workbook, self.env = wizard, workbook, wizard.env
        self._ = wizard.env._
        # Months are grouped in the user's time zone: the case list shows the same
        # local times (Excel has no time zones).
        tz_name = self.env.context.get("tz") or self.env.user.tz
        self.tz = pytz.timezone(tz_name if tz_name in pytz.all_timezones_set else "UTC")
        self.formats = {
            "title": workbook.add_format({"bold": True, "font_size": 14}),
            "header": workbook.add_format(
                {"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True}
            ),
            "int": workbook.add_format({"num_format": "#,##0"}),
            "hours": workbook.add_format({"num_format": "#,##0.0"}),
            "money": workbook.add_format({"num_format": "#,##0.00"}),
            "percent": workbook.add_format({"num_format": "0.0%"}),
            "rating": workbook.add_format({"num_format": "0.0"}),
            "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
            "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
            "total": workbook.add_format({"bold": True, "num_format": "#,##0.00"}),
        }

    def _title(self, fname):
        return self.env["sat.case.report"]._fields[fname]._description_string(self.env)

    def _header(self, sheet, row, titles):
        sheet.set_row(row, 30)
        for col, title in enumerate(titles):
            sheet.write(row, col, title, self.formats["header"])
        sheet.freeze_panes(row + 1, 0)

    def summary(self, figures):
        sheet = self.workbook.add_worksheet(self._("Summary"))
        sheet.set_column(0, 0, 34)
        sheet.set_column(1, 1, 18)
        sheet.write(0, 0, self._("Support statistics"), self.formats["title"])
        wizard = self.wizard
        sheet.write(1, 0, self._("From"))
        sheet.write_datetime(
            1, 1, datetime.combine(wizard.date_from, time.min), self.formats["date"]
        )
        sheet.write(2, 0, self._("To"))
        sheet.write_datetime(
            2, 1, datetime.combine(wizard.date_to, time.min), self.formats["date"]
        )
        sheet.write(3, 0, self._("Time zone"))
        sheet.write_string(3, 1, self.tz.zone)
        self._header(sheet, 4, [self._("Indicator"), self._("Value")])
        row = 5
        for (fname, _agg, fmt), value in zip(MEASURES, figures, strict=True):
            sheet.write(row, 0, self._title(fname))
            if (value is None or value is False) and fmt in ("hours", "rating"):
                sheet.write_string(row, 1, "–")  # nothing measured, not 0
            else:
                sheet.write_number(row, 1, value or 0, self.formats[fmt])
            row += 1
        # Shares as formulas, so that they follow an edited figure.
        cell = {
            fname: f"B{6 + index}" for index, (fname, _a, _f) in enumerate(MEASURES)
        }
        shares = [
            (self._("SLA breached per case"), "sla_breached", "nbr"),
            (
                self._("Share of the invoiced amount paid"),
                "amount_paid",
                "amount_invoiced_total",
            ),
        ]
        for label, part, whole in shares:
            sheet.write(row, 0, label)
            sheet.write_formula(
                row,
                1,
                f"=IF({cell[whole]}=0,0,{cell[part]}/{cell[whole]})",
                self.formats["percent"],
            )
            row += 1

    def breakdown(self, title, rows, chart=None):
        sheet = self.workbook.add_worksheet(title)
        sheet.set_column(0, 0, 36)
        sheet.set_column(1, len(MEASURES), 14)
        self._header(
            sheet, 0, [title] + [self._title(fname) for fname, _a, _f in MEASURES]
        )
        for index, (label, figures) in enumerate(rows, start=1):
            sheet.write_string(index, 0, label)
            for col, (value, (_f, _a, fmt)) in enumerate(
                zip(figures, MEASURES, strict=True), start=1
            ):
                sheet.write_number(index, col, value, self.formats[fmt])
        last = len(rows)
        sheet.autofilter(0, 0, last, len(MEASURES))
        total = last + 1
        sheet.write(total, 0, self._("Total"), self.formats["header"])
        for col in SUMMED:
            letter = xlsxwriter.utility.xl_col_to_name(col)
            sheet.write_formula(
                total, col, f"=SUM({letter}2:{letter}{last + 1})", self.formats["total"]
            )
        if chart == "month":
            self._chart(sheet, "column", title, last, anchor="N2")
        elif chart == "team":
            self._chart(sheet, "pie", title, last, anchor="N2")

    def _chart(self, sheet, kind, title, last, anchor):
        chart = self.workbook.add_chart({"type": kind})
        name = sheet.get_name()
        series = {
            "name": self._title("nbr"),
            "categories": [name, 1, 0, last, 0],
            "values": [name, 1, 1, last, 1],
        }
        if kind == "pie":
            series["data_labels"] = {"percentage": True}
        chart.add_series(series)
        chart.set_title({"name": title})
        sheet.insert_chart(anchor, chart)

    def root_causes(self, domain):
        sheet = self.workbook.add_worksheet(self._("Root Causes"))
        sheet.set_column(0, 0, 36)
        sheet.set_column(1, 6, 16)
        row = self._pareto(sheet, 0, domain)
        row = self._failure_rates(sheet, row + 2)
        row = self._repeat_failures(sheet, row + 2, domain)
        self._warranty_cost(sheet, row + 2, domain)

    def _pareto(self, sheet, row, domain):
        sheet.write(row, 0, self._("Case categories (Pareto)"), self.formats["title"])
        self._header(
            sheet,
            row + 1,
            [
                self._("Case Category"),
                self._("Cases"),
                self._("Share"),
                self._("Cumulative Share"),
            ],
        )
        # The list and the graph of Case Categories (Pareto), for the period.
        pareto = self.env["sat.category.pareto.report"]._get_rows(domain)
        first = row + 2
        for index, (label, count, share, cumulative) in enumerate(pareto):
            sheet.write_string(first + index, 0, label)
            sheet.write_number(first + index, 1, count, self.formats["int"])
            sheet.write_number(first + index, 2, share, self.formats["percent"])
            sheet.write_number(first + index, 3, cumulative, self.formats["percent"])
        last = first + len(pareto) - 1
        name = sheet.get_name()
        column = self.workbook.add_chart({"type": "column"})
        column.add_series(
            {
                "name": self._("Cases"),
                "categories": [name, first, 0, last, 0],
                "values": [name, first, 1, last, 1],
            }
        )
        line = self.workbook.add_chart({"type": "line"})
        line.add_series(
            {
                "name": self._("Cumulative Share"),
                "categories": [name, first, 0, last, 0],
                "values": [name, first, 3, last, 3],
                "y2_axis": True,
                "marker": {"type": "circle"},
            }
        )
        column.combine(line)
        column.set_title({"name": self._("Case categories (Pareto)")})
        line.set_y2_axis({"max": 1, "num_format": "0%"})
        sheet.insert_chart(row, 6, column)
        return max(last, row + 16)

    def _failure_rates(self, sheet, row):
        Rates = self.env["sat.product.failure.report"]
        if not Rates.has_access("read"):
            return row  # figures of every team: for SAT managers
        sheet.write(
            row, 0, self._("Cases per 100 units sold (all time)"), self.formats["title"]
        )
        self._header(
            sheet,
            row + 1,
            [
                self._("Product"),
                self._("Cases"),
                self._("Units Sold"),
                self._("Cases per 100 Units"),
            ],
        )
        rates = Rates.search_fetch(
            [("company_id", "in", self.env.companies.ids)],
            ["product_id", "case_count", "qty_sold", "failure_rate"],
        )
        for index, rate in enumerate(rates, start=row + 2):
            sheet.write_string(index, 0, rate.product_id.display_name)
            sheet.write_number(index, 1, rate.case_count, self.formats["int"])
            sheet.write_number(index, 2, rate.qty_sold, self.formats["hours"])
            if rate.qty_sold:
                sheet.write_number(index, 3, rate.failure_rate, self.formats["hours"])
            else:
                sheet.write_string(index, 3, self._("n/a"))
        return row + 1 + len(rates)

    def _repeat_failures(self, sheet, row, domain):
        window = self.env.company.sat_repeat_window_days
        sheet.write(
            row,
            0,
            self._(
                "Repeat failures per serial number (within %(days)s days)", days=window
            ),
            self.formats["title"],
        )
        self._header(
            sheet,
            row + 1,
            [
                self._("Serial Number"),
                self._("Product"),
                self._("Case"),
                self._("Previous Case"),
                self._("Days Between"),
            ],
        )
        # The same cases as the report's domain, as a domain on the cases themselves.
        on_cases = [
            ("id", *leaf[1:]) if leaf[0] == "case_id" else leaf for leaf in domain
        ]
        repeats = self.env["sat.repeat.failure.report"].search_fetch(
            [("case_id", "any", on_cases)],
            ["lot_id", "product_id", "case_id", "previous_reference", "days_between"],
        )
        for index, repeat in enumerate(repeats, start=row + 2):
            sheet.write_string(index, 0, repeat.lot_id.display_name)
            sheet.write_string(index, 1, repeat.product_id.display_name or "")
            sheet.write_string(index, 2, repeat.case_id.display_name)
            sheet.write_string(index, 3, repeat.previous_reference or "")
            sheet.write_number(index, 4, repeat.days_between, self.formats["int"])
        return row + 1 + len(repeats)

    def _warranty_cost(self, sheet, row, domain):
        sheet.write(
            row,
            0,
            self._("Warranty and courtesy cost per product"),
            self.formats["title"],
        )
        self._header(
            sheet,
            row + 1,
            [self._("Product"), self._("Cases"), self._("Supplies Cost")],
        )
        groups = self.env["sat.case.report"]._read_group(
            domain + [("is_billable", "=", False)],
            ["product_id"],
            ["nbr:sum", "supplies_cost:sum"],
            order="supplies_cost:sum desc",
        )
        for index, (product, count, cost) in enumerate(groups, start=row + 2):
            sheet.write_string(index, 0, product.display_name or self._("None"))
            sheet.write_number(index, 1, count, self.formats["int"])
            sheet.write_number(index, 2, cost, self.formats["money"])

    def cases(self, domain):
        """Every case, read in chunks by id so that memory stays bounded."""
        sheet = self.workbook.add_worksheet(self._("Cases"))
        Report = self.env["sat.case.report"]
        selections = {
            fname: dict(Report._fields[fname]._description_selection(self.env))
            for fname in ("case_type", "priority")
        }
        sheet.set_column(0, 0, 16)
        sheet.set_column(1, 1, 40)
        sheet.set_column(2, len(CASE_COLUMNS) - 1, 16)
        self._header(sheet, 0, [self._title(fname) for fname, _fmt in CASE_COLUMNS])
        row, last_id = 0, 0
        fnames = [fname for fname, _fmt in CASE_COLUMNS]
        while True:
            records = Report.search_fetch(
                domain + [("id", ">", last_id)], fnames, order="id", limit=CHUNK
            )
            if not records:
                break
            for record in records:
                row += 1
                self._case_row(sheet, row, record, selections)
            last_id = records[-1].id
            self.env.invalidate_all()  # what was written is not needed any more
        sheet.autofilter(0, 0, row, len(CASE_COLUMNS) - 1)

    def _case_row(self, sheet, row, record, selections):
        for col, (fname, fmt) in enumerate(CASE_COLUMNS):
            value = record[fname]
            if isinstance(value, models.BaseModel):
                sheet.write_string(row, col, value.display_name or "")
            elif fname in selections:
                sheet.write_string(row, col, selections[fname].get(value) or "")
            elif fmt == "datetime":
                if value:
                    local = pytz.utc.localize(value).astimezone(self.tz)
                    sheet.write_datetime(
                        row, col, local.replace(tzinfo=None), self.formats["datetime"]
                    )
            elif fmt == "rating" and not value:
                continue  # not rated is no 0
            elif fmt:
                sheet.write_number(row, col, value or 0, self.formats[fmt])
            else:
                sheet.write_string(row, col, value or "")
