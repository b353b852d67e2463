/** @odoo-module */

import {Component, onMounted, onWillStart, onWillUnmount, useRef} from "@odoo/owl";
import {loadBundle} from "@web/core/assets";
import {_t} from "@web/core/l10n/translation";
import {registry} from "@web/core/registry";
import {useService} from "@web/core/utils/hooks";

// The support dashboard: the figures of sat.report.dashboard as cards, each opening its
// analysis, and two charts (cases per month by type, open cases per team).
export class SatDashboard extends Component {
    static template = "sat_reports.SatDashboard";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.actionService = useService("action");
        this.monthsCanvas = useRef("months");
        this.teamsCanvas = useRef("teams");
        this.charts = [];
        onWillStart(async () => {
            [this.data] = await Promise.all([
                this.orm.call("sat.report.dashboard", "get_dashboard_data", []),
                loadBundle("web.chartjs_lib"),
            ]);
        });
        onMounted(() => this.renderCharts());
        onWillUnmount(() => this.charts.forEach((chart) => chart.destroy()));
    }

    renderCharts() {
        const options = {responsive: true, maintainAspectRatio: false};
        this.charts.push(
            new window.Chart(this.monthsCanvas.el, {
                type: "bar",
                data: {
                    labels: this.data.months,
                    datasets: this.data.per_month,
                },
                options: {
                    ...options,
                    scales: {x: {stacked: true}, y: {stacked: true, beginAtZero: true}},
                },
            }),
            new window.Chart(this.teamsCanvas.el, {
                type: "bar",
                data: {
                    labels: this.data.per_team.labels,
                    datasets: [{label: _t("Open cases"), data: this.data.per_team.data}],
                },
                options: {...options, indexAxis: "y", plugins: {legend: {display: false}}},
            })
        );
    }

    async open(method) {
        // The cards' analyses depend on no record: an empty recordset.
        const action = await this.orm.call("sat.report.dashboard", method, [[]]);
        return this.actionService.doAction(action);
    }

    openExport() {
        return this.actionService.doAction("sat_reports.sat_report_export_wizard_action");
    }
}

registry.category("actions").add("sat_reports.dashboard", SatDashboard);
