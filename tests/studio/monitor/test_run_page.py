"""A run's page over HTTP: its activity runs, masked secrets, cancel, reruns and who may do them."""

from __future__ import annotations

import re
import secrets
import time

from pgfactory.store import RunOptions, TokenRole
from tests.fixtures.postgres import RunningServer
from tests.studio.monitor.conftest import Monitor, script, wait_activity

HTMX = {"HX-Request": "true"}
MASK = "**********"


def activity_links(page: str) -> dict[str, str]:
    """Each activity's name (its Details button's label) -> the URL of its details."""
    return {name: url.removeprefix("/studio") for url, name in
            re.findall(r'hx-get="([^"]+/activities/[0-9a-f-]+)"\s+hx-target="#activity-dialog" aria-label="Details of ([^"]+)"',
                       page)}


def test_run_page_shows_activity_outputs_and_never_a_secret(monitor: Monitor, pg_plain: RunningServer) -> None:
    token = f"tok{secrets.token_hex(10)}"
    monitor.postgres(pg_plain)
    monitor.pipeline(
        "Echo",
        script("Select", "SELECT '@{pipeline().parameters.token}' AS echoed, 41 + 1 AS answer"),
        script("Hidden", "SELECT '@{pipeline().parameters.token}' AS kept", policy={"secureInput": True, "secureOutput": True},
               dependsOn=[{"activity": "Select", "dependencyConditions": ["Succeeded"]}]),
        {"name": "Keep", "type": "SetVariable", "dependsOn": [{"activity": "Hidden", "dependencyConditions": ["Succeeded"]}],
         "typeProperties": {"variableName": "copy", "value": "@pipeline().parameters.token"}},
        parameters={"token": {"type": "SecureString"}, "label": {"type": "String", "defaultValue": "nightly"}},
        variables={"copy": {"type": "String"}})
    run_id = monitor.run("Echo", {"token": token})
    assert monitor.wait(run_id).status == "Succeeded"
    bodies: list[str] = []
    with monitor.client(TokenRole.READER) as client:
        page = client.get(f"{monitor.path}/{run_id}")
        bodies.append(page.text)
        assert page.status_code == 200
        assert re.search(r"<td>token</td><td[^>]*>\*{10}</td>", page.text)  # the SecureString parameter, masked
        assert re.search(r"<td>label</td><td[^>]*>nightly</td>", page.text)
        links = activity_links(page.text)
        assert set(links) == {"Select", "Hidden", "Keep"}
        for name, url in links.items():
            dialog = client.get(url, headers=HTMX)
            standalone = client.get(url)
            bodies += [dialog.text, standalone.text]
            assert dialog.status_code == standalone.status_code == 200
            assert dialog.text.lstrip().startswith("<dialog") and "<html" in standalone.text
            if name == "Select":  # the output as the history holds it: the echoed secret masked, the rest as is
                assert '&#34;answer&#34;: 42' in dialog.text and f"&#34;echoed&#34;: &#34;{MASK}&#34;" in dialog.text
            if name == "Hidden":  # secureInput and secureOutput: ADF's masked shapes, said in words too
                assert f"&#34;secureInput&#34;: &#34;{MASK}&#34;" in dialog.text
                assert f"&#34;secureOutput&#34;: &#34;{MASK}&#34;" in dialog.text
                assert "Secure input:" in dialog.text and "Secure output:" in dialog.text
                assert "kept" not in dialog.text
        bodies.append(client.get(monitor.path).text)
        bodies.append(client.get(f"{monitor.path}/{run_id}", headers=HTMX).text)
    assert all(token not in body for body in bodies)


def test_cancel_stops_a_run_and_its_child_runs(monitor: Monitor, pg_plain: RunningServer) -> None:
    monitor.postgres(pg_plain)
    monitor.pipeline("Sleepy", script("Sleep", "SELECT pg_sleep(30)"))
    monitor.pipeline("Parent", {"name": "RunChild", "type": "ExecutePipeline", "typeProperties": {
        "pipeline": {"referenceName": "Sleepy", "type": "PipelineReference"}, "waitOnCompletion": True}})
    parent = monitor.run("Parent")
    monitor.wait(parent, {"InProgress"})
    with monitor.client(TokenRole.OPERATOR) as client:
        deadline = time.monotonic() + 30
        child = None
        while child is None:  # the child run appears once ExecutePipeline has started it
            assert time.monotonic() < deadline, "the parent run shows no child run"
            page = client.get(f"{monitor.path}/{parent}", headers=HTMX)
            child = re.search(r'<a href="/studio/f/[^"]+/monitor/runs/([0-9a-f-]{36})">Run of Sleepy</a>', page.text)
        assert page.status_code == 200 and "Cancel run" in page.text  # still going: htmx keeps polling
        monitor.wait(child[1], {"InProgress"})
        child_page = client.get(f"{monitor.path}/{child[1]}")
        assert f'href="/studio{monitor.path}/{parent}"' in child_page.text and "Parent run" in child_page.text
        answer = client.post(f"{monitor.path}/{parent}/cancel", data={**monitor.csrf(client), "next": f"/studio{monitor.path}"})
        assert answer.status_code == 303 and answer.headers["location"] == f"/studio{monitor.path}"
        assert monitor.wait(parent).status == "Cancelled"
        assert monitor.wait(child[1]).status == "Cancelled"
        ended = client.get(f"{monitor.path}/{parent}", headers=HTMX)
        assert ended.status_code == 286 and "Cancel run" not in ended.text  # htmx stops polling
        assert "Rerun" in ended.text and "Rerun from failed activity" in ended.text
        # htmx's cancel answers with an event that refreshes the page at once; elsewhere a form goes back only
        # to a Monitor page of this factory.
        monitor.pipeline("Waiting", wait_activity(30))
        waiting = monitor.run("Waiting")
        monitor.wait(waiting, {"InProgress"})
        by_htmx = client.post(f"{monitor.path}/{waiting}/cancel",
                              headers={**HTMX, "X-CSRF-Token": client.cookies["pgfactory_csrf"]})
        assert by_htmx.status_code == 204 and "runs-changed" in by_htmx.headers["HX-Trigger"]
        assert monitor.wait(waiting).status == "Cancelled"
        elsewhere = client.post(f"{monitor.path}/{waiting}/cancel", data={**monitor.csrf(client), "next": "https://example.com/"})
        assert elsewhere.headers["location"] == f"/studio{monitor.path}/{waiting}"


def test_rerun_from_the_failed_activity_repeats_only_what_did_not_succeed(monitor: Monitor, pg_plain: RunningServer) -> None:
    pg_plain.execute("DROP TABLE IF EXISTS studio_gate; CREATE TABLE studio_gate (open int)")
    monitor.postgres(pg_plain)
    after = {"dependencyConditions": ["Succeeded"]}
    monitor.pipeline("Steps",
                     script("First", "SELECT 41 AS n"),
                     script("Gate", "SELECT 1 / (SELECT count(*) FROM studio_gate) AS open",  # fails while empty
                            dependsOn=[{"activity": "First", **after}]),
                     script("Last", "SELECT 1 AS done", dependsOn=[{"activity": "Gate", **after}]),
                     parameters={"day": {"type": "String"}})
    failed = monitor.run("Steps", {"day": "monday"})
    assert monitor.wait(failed).status == "Failed"
    pg_plain.execute("INSERT INTO studio_gate VALUES (1)")
    with monitor.client(TokenRole.OPERATOR) as client:
        page = client.get(f"{monitor.path}/{failed}")
        assert "Rerun from failed activity" in page.text and '<option value="Gate">Gate</option>' in page.text
        answer = client.post(f"{monitor.path}/{failed}/rerun", data={**monitor.csrf(client), "mode": "failure"})
        assert answer.status_code == 303
        rerun = answer.headers["location"].rsplit("/", 1)[1]
        assert answer.headers["location"] == f"/studio{monitor.path}/{rerun}" and rerun != failed
        run = monitor.wait(rerun)
        assert run.status == "Succeeded" and run.run_group_id == failed and run.parameters == {"day": "monday"}
        options = monitor.studio.api.service.runs.run_options(monitor.scope, rerun)
        assert options == RunOptions(reference_pipeline_run_id=failed, is_recovery=True, start_from_failure=True)
        rerun_page = client.get(f"{monitor.path}/{rerun}").text
        assert set(activity_links(rerun_page)) == {"Gate", "Last"}  # First succeeded before: not run again
        assert re.search(rf"Rerun of</dt><dd><a [^>]*href=\"/studio{monitor.path}/{failed}\"", rerun_page)
        assert "from the failed activities" in rerun_page

        from_last = client.post(f"{monitor.path}/{rerun}/rerun", data={**monitor.csrf(client), "mode": "activity",
                                                                       "activity": "Last"})
        last_run = from_last.headers["location"].rsplit("/", 1)[1]
        assert monitor.wait(last_run).status == "Succeeded"
        assert set(activity_links(client.get(f"{monitor.path}/{last_run}").text)) == {"Last"}
        again = client.post(f"{monitor.path}/{failed}/rerun", data={**monitor.csrf(client), "mode": "start"})
        everything = again.headers["location"].rsplit("/", 1)[1]
        assert monitor.wait(everything).status == "Succeeded"
        assert set(activity_links(client.get(f"{monitor.path}/{everything}").text)) == {"First", "Gate", "Last"}
        unknown = client.post(f"{monitor.path}/{failed}/rerun", data={**monitor.csrf(client), "mode": "activity",
                                                                      "activity": "Nope"})
        assert unknown.status_code == 400 and "no top-level activity" in unknown.text


def test_a_reader_cannot_cancel_or_rerun(monitor: Monitor) -> None:
    monitor.pipeline("Waiting", wait_activity(30))
    run_id = monitor.run("Waiting")
    monitor.wait(run_id, {"InProgress"})
    with monitor.client(TokenRole.READER) as client:
        page = client.get(f"{monitor.path}/{run_id}").text
        listing = client.get(monitor.path).text
        assert "Cancel run" not in page and ">Cancel</button>" not in listing
        cancel = client.post(f"{monitor.path}/{run_id}/cancel", data=monitor.csrf(client))
        assert cancel.status_code == 403 and "operator" in cancel.text
        rerun = client.post(f"{monitor.path}/{run_id}/rerun", data={**monitor.csrf(client), "mode": "start"})
        assert rerun.status_code == 403
    assert monitor.get(run_id).status == "InProgress"
    monitor.studio.api.service.runs.cancel(monitor.scope, run_id, recursive=True)
    assert monitor.wait(run_id).status == "Cancelled"
