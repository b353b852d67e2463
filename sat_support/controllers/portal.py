from odoo import fields, http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request
from odoo.tools import plaintext2html

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

# What a portal customer may attach to a new case, in all.
MAX_PORTAL_UPLOAD = 25 * 1024 * 1024


class SatCustomerPortal(CustomerPortal):
    """The customer's support cases on the portal: the list, each case with its
    messages, where the customer can answer, and a new case."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "sat_case_count" in counters:
            Case = request.env["sat.case"]
            values["sat_case_count"] = (
                Case.search_count([]) if Case.has_access("read") else 0
            )
        return values

    def _sat_case_sortings(self):
        return {
            "date": {
                "label": request.env._("Newest"),
                "order": "date_received desc, id desc",
            },
            "reference": {"label": request.env._("Reference"), "order": "reference"},
            "stage": {"label": request.env._("Stage"), "order": "stage_id, id desc"},
        }

    def _sat_case_filters(self):
        return {
            "all": {"label": request.env._("All"), "domain": []},
            "open": {
                "label": request.env._("Open"),
                "domain": [("is_closed", "=", False)],
            },
            "closed": {
                "label": request.env._("Closed"),
                "domain": [("is_closed", "=", True)],
            },
        }

    @http.route(
        ["/my/cases", "/my/cases/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_cases(self, page=1, sortby="date", filterby="all", **kw):
        Case = request.env["sat.case"]
        sortings = self._sat_case_sortings()
        filters = self._sat_case_filters()
        sortby = sortby if sortby in sortings else "date"
        filterby = filterby if filterby in filters else "all"
        domain = filters[filterby]["domain"]
        pager = portal_pager(
            url="/my/cases",
            url_args={"sortby": sortby, "filterby": filterby},
            total=Case.search_count(domain),
            page=page,
            step=self._items_per_page,
        )
        cases = Case.search(
            domain,
            order=sortings[sortby]["order"],
            limit=self._items_per_page,
            offset=pager["offset"],
        )
        request.session["my_sat_cases_history"] = cases.ids[:100]
        values = self._prepare_portal_layout_values()
        values.update(
            {
                # Found with the customer's rights; shown with their stage and product.
                "cases": cases.sudo(),
                "page_name": "sat_case",
                "default_url": "/my/cases",
                "pager": pager,
                "searchbar_sortings": sortings,
                "sortby": sortby,
                "searchbar_filters": filters,
                "filterby": filterby,
            }
        )
        return request.render("sat_support.portal_my_cases", values)

    @http.route(["/my/cases/<int:case_id>"], type="http", auth="public", website=True)
    def portal_my_case(self, case_id, access_token=None, **kw):
        try:
            case_sudo = self._document_check_access(
                "sat.case", case_id, access_token=access_token
            )
        except (AccessError, MissingError):
            return request.redirect("/my")
        values = self._get_page_view_values(
            case_sudo,
            access_token,
            {"case": case_sudo, "page_name": "sat_case"},
            "my_sat_cases_history",
            False,
            **kw,
        )
        return request.render("sat_support.portal_my_case", values)

    # ------------------------------------------------------------------ new case
    @http.route(
        ["/my/cases/new"],
        type="http",
        auth="user",
        methods=["GET", "POST"],
        website=True,
    )
    def portal_new_case(self, **post):
        """A case the customer opens: the unit chosen from what the account was
        delivered, the type proposed from its warranty; then the path of a mail
        (acknowledgement, SLA, classification, assignment)."""
        partner = request.env.user.partner_id
        Case = request.env["sat.case"]
        units = Case.sudo()._get_portal_units(partner.commercial_partner_id)
        errors = {}
        if request.httprequest.method == "POST":
            files = self._sat_new_case_files()
            values, errors = self._sat_new_case_values(post, partner, units, files)
            if not errors:
                case = Case.sudo()._create_from_portal(values, files)
                return request.redirect(f"/my/cases/{case.id}")
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "sat_case_new",
                "units": units,
                "errors": errors,
                "post": post,
            }
        )
        return request.render("sat_support.portal_new_case", values)

    def _sat_new_case_values(self, post, partner, units, files):
        errors = {}
        subject = (post.get("name") or "").strip()
        symptom = (post.get("symptom") or "").strip()
        if not subject:
            errors["name"] = request.env._("Write what happens in a few words.")
        elif len(subject) > 200:
            errors["name"] = request.env._(
                "The subject is too long (200 characters at most)."
            )
        if not symptom:
            errors["symptom"] = request.env._(
                "Describe the fault: what happens, since when."
            )
        unit = units.get(post.get("unit") or "")
        if post.get("unit") and not unit:
            errors["unit"] = request.env._(
                "Choose one of the units your account received."
            )
        if sum(len(content) for _name, content, _type in files) > MAX_PORTAL_UPLOAD:
            errors["attachments"] = request.env._(
                "The files are too large (%(size)s MB at most in all).",
                size=MAX_PORTAL_UPLOAD // (1024 * 1024),
            )
        values = {
            "name": subject,
            "symptom": plaintext2html(symptom),
            "partner_id": partner.commercial_partner_id.id,
            "reporter_id": partner.id,
            "date_received": fields.Datetime.now(),
            "product_id": unit and unit["product"].id,
            "lot_id": unit and unit["lot"].id,
        }
        return values, errors

    def _sat_new_case_files(self):
        return [
            (upload.filename, upload.read(), upload.mimetype)
            for upload in request.httprequest.files.getlist("attachments")
            if upload.filename
        ]
