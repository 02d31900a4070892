/**
 * The alert rules and the Grafana dashboard, checked by Prometheus's own tool:
 * `promtool check rules` on dashboards/alerts.yml, `promtool test rules` on the
 * unit tests beside this file (each alert fires after its `for` and resolves),
 * and every dashboard query parsed as PromQL by promtool. The dashboard JSON
 * is checked as a Grafana dashboard model. (That every metric they name is one
 * the library emits is the scrape test in test/telemetry/export.test.ts.)
 * promtool comes from Debian's `prometheus` package; `.ci/run` installs it.
 */
import { describe, expect, it } from "@effect/vitest"
import { execFileSync, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import YAML from "yaml"

const root = path.resolve(import.meta.dirname, "../..")
const alertsFile = path.join(root, "dashboards", "alerts.yml")
const testsFile = path.join(import.meta.dirname, "alerts.test.yml")
const dashboard = JSON.parse(fs.readFileSync(path.join(root, "dashboards", "effect-breaker.grafana.json"), "utf8"))

const promtool = (...args: Array<string>) => {
  const ran = spawnSync("promtool", args, { cwd: import.meta.dirname, encoding: "utf8", timeout: 60_000 })
  if (ran.error) throw new Error(`promtool could not run (${ran.error.message}): apt-get install prometheus (.ci/run does)`)
  return { code: ran.status, output: `${ran.stdout}${ran.stderr}` }
}

const alerts: Array<{ alert: string; for?: string }> = YAML.parse(fs.readFileSync(alertsFile, "utf8")).groups.flatMap((g: any) => g.rules)
const unitTests: Array<any> = YAML.parse(fs.readFileSync(testsFile, "utf8")).tests

describe("dashboards/alerts.yml under promtool", () => {
  it("promtool is installed", () => {
    expect(execFileSync("promtool", ["--version"], { encoding: "utf8" })).toMatch(/promtool, version \d+\.\d+/)
  })

  it("check rules: every rule is valid", () => {
    const { code, output } = promtool("check", "rules", alertsFile)
    expect(output).toContain(`SUCCESS: ${alerts.length} rules found`)
    expect(code).toBe(0)
  })

  it("every alert has unit tests that see it fire and see it quiet again later", () => {
    for (const { alert } of alerts) {
      const cases = unitTests.flatMap((t) => t.alert_rule_test ?? []).filter((c: any) => c.alertname === alert)
      const toMinutes = (d: string) => Number(/^(\d+)m/.exec(d)?.[1] ?? NaN)
      const firing = cases.filter((c: any) => (c.exp_alerts ?? []).length > 0).map((c: any) => toMinutes(c.eval_time))
      const quiet = cases.filter((c: any) => (c.exp_alerts ?? []).length === 0).map((c: any) => toMinutes(c.eval_time))
      expect(firing.length, `${alert} fires in a test`).toBeGreaterThan(0)
      expect(quiet.some((q: number) => q > Math.min(...firing)), `${alert} resolves in a test`).toBe(true)
      expect(quiet.some((q: number) => q < Math.min(...firing)), `${alert} is quiet before it fires`).toBe(true)
    }
  })

  it("test rules: every alert fires after its `for` and resolves (promtool unit tests)", () => {
    const { code, output } = promtool("test", "rules", path.basename(testsFile))
    expect(output).toContain("SUCCESS")
    expect(code, output).toBe(0)
  })
})

describe("dashboards/effect-breaker.grafana.json", () => {
  const panels: Array<any> = dashboard.panels
  const variables: Array<any> = dashboard.templating?.list ?? []

  it("is a Grafana dashboard model: uid, title, schema version, unique panel ids, grid inside 24 columns, no overlaps", () => {
    expect(typeof dashboard.uid).toBe("string")
    expect(dashboard.uid.length).toBeLessThanOrEqual(40)
    expect(typeof dashboard.title).toBe("string")
    expect(Number.isInteger(dashboard.schemaVersion) && dashboard.schemaVersion >= 30).toBe(true)
    expect(dashboard.time).toMatchObject({ from: expect.any(String), to: expect.any(String) })
    expect(Array.isArray(panels) && panels.length > 0).toBe(true)
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length)
    const known = new Set(["timeseries", "state-timeline", "stat", "gauge", "bargauge", "table", "heatmap", "text", "row", "piechart"])
    for (const p of panels) {
      expect(known.has(p.type), `panel ${p.id} type ${p.type}`).toBe(true)
      expect(typeof p.title).toBe("string")
      const g = p.gridPos
      for (const k of ["x", "y", "w", "h"]) expect(Number.isInteger(g[k]) && g[k] >= 0, `panel ${p.id} gridPos.${k}`).toBe(true)
      expect(g.x + g.w, `panel ${p.id} fits 24 columns`).toBeLessThanOrEqual(24)
    }
    for (const a of panels) {
      for (const b of panels) {
        if (a === b) continue
        const overlap = a.gridPos.x < b.gridPos.x + b.gridPos.w && b.gridPos.x < a.gridPos.x + a.gridPos.w &&
          a.gridPos.y < b.gridPos.y + b.gridPos.h && b.gridPos.y < a.gridPos.y + a.gridPos.h
        expect(overlap, `panels ${a.id} and ${b.id} overlap`).toBe(false)
      }
    }
  })

  it("targets: unique refIds, Prometheus data source through the datasource variable, only defined variables", () => {
    const names = variables.map((v) => v.name)
    expect(new Set(names).size).toBe(names.length)
    const dsVariable = variables.find((v) => v.type === "datasource")
    expect(dsVariable?.query).toBe("prometheus")
    const builtIn = new Set(["__rate_interval", "__interval", "__range"])
    for (const p of panels.filter((p) => p.type !== "row" && p.type !== "text")) {
      expect(p.datasource).toEqual({ type: "prometheus", uid: `\${${dsVariable.name}}` })
      const refIds = p.targets.map((t: any) => t.refId)
      expect(new Set(refIds).size, `panel ${p.id} refIds`).toBe(refIds.length)
      for (const t of p.targets) {
        expect(typeof t.expr).toBe("string")
        for (const [, v] of t.expr.matchAll(/\$\{?(\w+)/g)) expect(builtIn.has(v) || names.includes(v), `panel ${p.id} uses $${v}`).toBe(true)
      }
    }
  })

  it("every query is PromQL that promtool parses", () => {
    const exprs: Array<{ record: string; expr: string }> = []
    for (const p of panels) {
      for (const t of p.targets ?? []) exprs.push({ record: `dashboard:panel_${p.id}_${t.refId}`, expr: t.expr })
    }
    for (const v of variables.filter((v) => v.type === "query")) {
      // label_values(metric, label) is Grafana's; the metric selector inside is PromQL
      const m = /^label_values\((.+),\s*\w+\)$/.exec(v.query)
      expect(m, `variable ${v.name}`).not.toBeNull()
      exprs.push({ record: `dashboard:variable_${v.name}`, expr: m![1]! })
    }
    const concrete = (e: string) => e.replace(/\$__rate_interval|\$__interval|\$__range/g, "5m").replace(/\$\{?\w+\}?/g, ".*")
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "dashboard-promql-")), "queries.yml")
    fs.writeFileSync(file, YAML.stringify({ groups: [{ name: "dashboard", rules: exprs.map((e) => ({ record: e.record, expr: concrete(e.expr) })) }] }))
    const { code, output } = promtool("check", "rules", file)
    expect(output).toContain(`SUCCESS: ${exprs.length} rules found`)
    expect(code, output).toBe(0)
  })
})
