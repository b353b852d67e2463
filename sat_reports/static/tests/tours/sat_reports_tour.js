/** @odoo-module */

import {registry} from "@web/core/registry";
import {stepUtils} from "@web_tour/tour_service/tour_utils";

// A SAT manager opens the dashboard, then the graph of the cases per month.
registry.category("web_tour.tours").add("sat_reports_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            trigger: '.o_app[data-menu-xmlid="sat_support.sat_menu_root"]',
            run: "click",
        },
        {
            trigger: ".o_main_navbar button:contains('Reporting')",
            run: "click",
        },
        {
            trigger: ".dropdown-item:contains('Dashboard')",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=open_count]:contains('3')",
        },
        {
            trigger: "button[name=action_open_graph]",
            run: "click",
        },
        {
            trigger: ".o_graph_renderer canvas",
        },
        {
            trigger: ".o_breadcrumb:contains('Cases per Month')",
        },
    ],
});
