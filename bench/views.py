"""What the web client reads a list or a kanban view with, and the context it sends:
used by the load test (bench/locustfile.py) and by the query counts of its report
(scale.py)."""

import xml.etree.ElementTree as ET

# The context the web client sends with each call (the user's language and time zone).
WEB_CONTEXT = {"lang": "en_US", "tz": "Europe/Madrid"}

# Fields a widget shows besides its own: the web client reads them too.
ACTIVITY_SPEC = {
    "activity_exception_decoration": {},
    "activity_exception_icon": {},
    "activity_state": {},
    "activity_summary": {},
    "activity_type_icon": {},
    "activity_type_id": {"fields": {"display_name": {}}},
}
WIDGET_SPECS = {"list_activity": ACTIVITY_SPEC, "kanban_activity": ACTIVITY_SPEC}


def view_spec(views, view_type="list"):
    """What the web client reads a view's records with, from ``get_views``: every
    field of the view (a list's optional columns too, hidden or not; a kanban's
    cards), a relation's display name, a tag's colour, and the fields its widgets
    show besides. As the web client's ``getFieldsSpec``, a many-to-one that is
    always invisible (``invisible="1"``, ``column_invisible="True"``) is read
    without its display name: no query for it."""
    model = next(iter(views["models"]))
    fields = views["models"][model]["fields"]
    spec = {}
    for node in ET.fromstring(views["views"][view_type]["arch"]).iter("field"):
        name, widget = node.get("name"), node.get("widget")
        ftype = fields[name]["type"]
        if ftype == "many2one":
            hidden = node.get("invisible") in ("True", "1") or (
                node.get("column_invisible") == "True"
            )
            spec[name] = {"fields": {} if hidden else {"display_name": {}}}
        elif ftype == "many2many" and widget == "many2many_tags":
            colored = "color_field" in (node.get("options") or "")
            spec[name] = {
                "fields": {"display_name": {}, **({"color": {}} if colored else {})}
            }
        else:
            spec[name] = {}
        spec.update(WIDGET_SPECS.get(widget, {}))
    return spec
