"""What the web client reads the SAT cases' kanban cards and a list view with: used by
the load test (bench/locustfile.py) and by the query counts of its report (scale.py)."""

import xml.etree.ElementTree as ET

# The context the web client sends with each call (the user's language and time zone).
WEB_CONTEXT = {"lang": "en_US", "tz": "Europe/Madrid"}

KANBAN_SPEC = {
    name: {}
    for name in (
        "reference",
        "name",
        "priority",
        "case_type",
        "color",
        "date_deadline",
        "is_closed",
        "sla_status",
        "sla_time_left",
        "activity_ids",
    )
} | {
    name: {"fields": {"display_name": {}}}
    for name in ("partner_id", "user_id", "product_id", "lot_id", "category_id")
}
# Fields a widget of a list shows besides its own: the web client reads them too.
WIDGET_SPECS = {
    "list_activity": {
        "activity_exception_decoration": {},
        "activity_exception_icon": {},
        "activity_state": {},
        "activity_summary": {},
        "activity_type_icon": {},
        "activity_type_id": {"fields": {"display_name": {}}},
    },
}


def list_spec(views):
    """What the web client reads a list view's records with, from ``get_views``:
    every field of the view (optional columns too, hidden or not), a relation's
    display name, a tag's colour, and the fields its widgets show besides."""
    model = next(iter(views["models"]))
    fields = views["models"][model]["fields"]
    spec = {}
    for node in ET.fromstring(views["views"]["list"]["arch"]).iter("field"):
        name, widget = node.get("name"), node.get("widget")
        ftype = fields[name]["type"]
        if ftype == "many2one":
            spec[name] = {"fields": {"display_name": {}}}
        elif ftype == "many2many" and widget == "many2many_tags":
            colored = "color_field" in (node.get("options") or "")
            spec[name] = {
                "fields": {"display_name": {}, **({"color": {}} if colored else {})}
            }
        else:
            spec[name] = {}
        spec.update(WIDGET_SPECS.get(widget, {}))
    return spec
