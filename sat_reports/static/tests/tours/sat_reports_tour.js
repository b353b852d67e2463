/** @odoo-module */

import {registry} from "@web/core/registry";
import {stepUtils} from "@web_tour/tour_service/tour_utils";

// A SAT manager opens the dashboard (figures as cards, charts), then the graph of the
// cases per month.
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
            trigger: ".o_sat_kpi[data-name=open_count] .o_sat_kpi_value:contains('3')",
        },
        {
            // The charts are drawn.
            trigger: ".o_sat_dashboard canvas",
        },
        {
            trigger: ".o_sat_chart_months",
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
