"""The pipeline run list over HTTP: filters by pipeline, status and time, pages, htmx fragments and polling."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx

from pgfactory.store import InvokedBy, PipelineRunRecord, RunStatus
from tests.studio.monitor.conftest import Monitor, wait_activity

RUN_LINK = re.compile(r'href="/studio/f/[^"]+/monitor/runs/([0-9a-f-]{36})"')


def listed(answer: httpx.Response) -> list[str]:
    """The run ids a list answer links to, in order, each once."""
    assert answer.status_code in (200, 286), answer.text
    return list(dict.fromkeys(RUN_LINK.findall(answer.text)))


def test_filters_by_pipeline_status_and_time_range_and_pages_newest_first(monitor: Monitor) -> None:
    monitor.pipeline("Quick", wait_activity(0))
    monitor.pipeline("Other", wait_activity(0))
    monitor.pipeline("Broken", {"name": "Stop", "type": "Fail", "typeProperties": {"message": "broken on purpose",
                                                                                  "errorCode": "500"}})
    quick = [monitor.run("Quick") for _ in range(24)]
    other = [monitor.run("Other") for _ in range(5)]
    broken = monitor.run("Broken")
    for run_id in [*quick, *other, broken]:
        monitor.wait(run_id)
    # A run of ten days ago, as the service would have kept it.
    factory = monitor.studio.api.service.resources.factory(monitor.scope)
    old_end = datetime.now(UTC) - timedelta(days=10)
    old = PipelineRunRecord(run_id="00000000-0000-4000-8000-000000000010", pipeline_name="Quick",
                            status=RunStatus.SUCCEEDED, run_start=old_end - timedelta(seconds=3), invoked_by=InvokedBy())
    old.finish(RunStatus.SUCCEEDED, at=old_end)
    monitor.studio.api.service.store.runs.for_factory(factory.id).create_pipeline_run(old)

    with monitor.client() as client:
        first = client.get(monitor.path)
        assert first.status_code == 200
        page_one = listed(first)
        assert len(page_one) == 25 and "Older →" in first.text and "Runs 1\u201325" in first.text
        older = re.search(r'href="(/studio/f/[^"]+/monitor/runs\?offset=25)"', first.text)
        assert older is not None
        second = client.get(older[1].removeprefix("/studio"))
        page_two = listed(second)
        assert len(page_two) == 5 and "← Newer" in second.text and "Older →" not in second.text
        everything = [*quick, *other, broken]
        assert sorted(page_one + page_two) == sorted(everything)  # the ten-day-old run is outside the last 24 hours
        starts = [monitor.get(run_id).run_start for run_id in page_one + page_two]
        assert starts == sorted(starts, reverse=True)  # newest first

        assert sorted(listed(client.get(monitor.path, params={"pipeline": "Other"}))) == sorted(other)
        failed = client.get(monitor.path, params={"status": "Failed"})
        assert listed(failed) == [broken] and "broken on purpose" in failed.text
        assert old.run_id in listed(client.get(monitor.path, params={"range": "30d", "pipeline": "Quick", "offset": 20}))
        custom = {"range": "custom", "start": (old_end - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S"),
                  "end": (old_end + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")}
        assert listed(client.get(monitor.path, params=custom)) == [old.run_id]

        refused = client.get(monitor.path, params={"status": "Sleeping", "range": "custom", "start": "yesterday"})
        assert refused.status_code == 400
        assert re.search(r'id="filter-error-status" role="alert">unknown status', refused.text)


def test_htmx_gets_the_list_alone_polls_while_runs_go_and_sees_the_filters_in_the_url(monitor: Monitor) -> None:
    monitor.pipeline("Slow", wait_activity(30))
    monitor.pipeline("Quick", wait_activity(0))
    done = monitor.run("Quick")
    monitor.wait(done)
    htmx = {"HX-Request": "true"}
    with monitor.client() as client:
        quiet = client.get(monitor.path, headers=htmx)
        assert quiet.status_code == 286  # nothing is running: htmx stops polling
        assert quiet.text.lstrip().startswith('<section id="runs"') and "<html" not in quiet.text
        assert "every 2s" not in quiet.text and 'hx-swap-oob="true"' in quiet.text
        going = monitor.run("Slow")
        monitor.wait(going, {"InProgress"})
        polled = client.get(monitor.path, headers={**htmx, "HX-Trigger": "runs"})
        assert polled.status_code == 200 and "every 2s" in polled.text and "HX-Push-Url" not in polled.headers
        filtered = client.get(monitor.path, params={"pipeline": "Quick", "status": "", "range": "24h", "start": "",
                                                    "end": ""}, headers={**htmx, "HX-Trigger": "run-filters"})
        assert filtered.headers["HX-Push-Url"] == f"/studio{monitor.path}?pipeline=Quick"
        assert listed(filtered) == [done]
        # Going back in the history, htmx asks for the whole page again.
        restored = client.get(monitor.path, headers={**htmx, "HX-History-Restore-Request": "true"})
        assert "<html" in restored.text and 'id="run-filters"' in restored.text
        client.post(f"{monitor.path}/{going}/cancel", data=monitor.csrf(client))
