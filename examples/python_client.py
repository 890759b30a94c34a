#!/usr/bin/env python3
"""Walk the KayGraph Tasks API from Python, standard library only.

Follows the spec's usage examples: submit a task, check its progress, follow the Server-Sent
Events stream until it is done, then fetch the result. With --signal, a task that waits for that
signal (a human approval, say) is sent it with --signal-data as the payload.

    python3 examples/python_client.py --url http://127.0.0.1:8000 --workflow demo --params '{}'
    python3 examples/python_client.py --workflow content_review \
        --params '{"title": "Launch", "points": ["We ship on Monday"]}' \
        --signal approval --signal-data '{"approved": true, "note": "ship it"}'

Exit status: 0 when the task completed, 1 when it failed or was cancelled, 2 on API errors or when
the api cannot be reached.
"""

import argparse
import http.client
import json
import sys
import urllib.error
import urllib.parse
import urllib.request


class ApiError(Exception):
    def __init__(self, status, body):
        super().__init__(f"HTTP {status}: {body.get('code')}: {body.get('message')}")
        self.status = status
        self.body = body


def call(base_url, method, path, body=None, api_key=None):
    """One JSON request; returns the decoded answer or raises ApiError with the ErrorBody."""
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(base_url + path, data=data, method=method)
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json; charset=utf-8")
    if api_key:
        request.add_header("Authorization", "Bearer " + api_key)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        raise ApiError(error.code, json.loads(error.read() or b"{}")) from None


def sse_events(base_url, path, last_event_id=None, api_key=None):
    """Yields (id, event, data) from a text/event-stream; ':' comments (heartbeats) are skipped."""
    url = urllib.parse.urlsplit(base_url)
    connection = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=60)
    headers = {"Accept": "text/event-stream"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = str(last_event_id)
    if api_key:
        headers["Authorization"] = "Bearer " + api_key
    connection.request("GET", url.path.rstrip("/") + path, headers=headers)
    response = connection.getresponse()
    if response.status != 200:
        raise ApiError(response.status, json.loads(response.read() or b"{}"))
    event_id, event, data = None, "message", []
    try:
        while True:
            raw = response.readline()
            if not raw:
                return
            line = raw.decode("utf-8").rstrip("\r\n")
            if line == "":
                if data:
                    yield event_id, event, json.loads("\n".join(data))
                event, data = "message", []
            elif line.startswith(":"):
                continue
            else:
                field, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if field == "id":
                    event_id = value
                elif field == "event":
                    event = value
                elif field == "data":
                    data.append(value)
    finally:
        connection.close()


def send_signal(base_url, task_id, name, payload, api_key=None):
    """POST /tasks/{id}/signals/{name}: 200 with `taken` (resumed or stored); 400 when the payload does
    not fit the workflow's schema, 409 when the task is not waiting for it."""
    path = f"/tasks/{urllib.parse.quote(task_id)}/signals/{urllib.parse.quote(name)}"
    return call(base_url, "POST", path, payload, api_key)


def describe_wait(wait):
    if wait["kind"] == "signal":
        return f"signal {wait['signal']} (deadline {wait['deadline'] or 'none'})"
    if wait["kind"] == "sleep":
        return f"sleep until {wait['until']}"
    return f"{wait['finished']} of {len(wait['child_task_ids'])} child tasks finished"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://localhost:8000")
    parser.add_argument("--workflow", default="demo")
    parser.add_argument("--params", default="{}", help="JSON object of workflow params")
    parser.add_argument("--api-key", default=None)
    parser.add_argument("--signal", default=None, help="send this signal when the task waits for it")
    parser.add_argument("--signal-data", default="{}", help="JSON payload of --signal")
    args = parser.parse_args()
    base_url = args.url.rstrip("/")

    try:
        # 1. Submit a long-running task.
        status, submitted = call(
            base_url,
            "POST",
            "/tasks/",
            {"workflow": args.workflow, "params": json.loads(args.params)},
            args.api_key,
        )
        task_id = submitted["task_id"]
        print(f"submitted {task_id} (HTTP {status}, status {submitted['status']})")

        # 2. Check its progress.
        _, progress = call(base_url, "GET", f"/tasks/{task_id}/progress", api_key=args.api_key)
        print(f"progress: {progress['progress']}% status={progress['status']}")

        # 3. Follow the Server-Sent Events until `done`.
        final_status = None
        for event_id, event, data in sse_events(base_url, f"/tasks/{task_id}/stream", api_key=args.api_key):
            if event == "progress":
                # A workflow may report a step, a message, or both.
                said = ": ".join(part for part in (data.get("step"), data.get("message")) if part)
                print(f"[{event_id}] Progress: {data['progress']}% - {said}")
            elif event == "status":
                # A completed status event carries the final progress (100).
                progress = f" ({data['progress']}%)" if "progress" in data else ""
                print(f"[{event_id}] Status: {data['status']}{progress}")
            elif event == "waiting":
                # The task waits and holds no worker; a signal (or its deadline) lets it go on.
                wait = data["wait"]
                print(f"[{event_id}] Waiting: {describe_wait(wait)}")
                if args.signal and wait["kind"] == "signal" and wait["signal"] == args.signal:
                    status, answer = send_signal(
                        base_url, task_id, args.signal, json.loads(args.signal_data), args.api_key
                    )
                    print(f"signal {answer['name']}: {answer['taken']} (HTTP {status}, status {answer['status']})")
            elif event == "signal_received":
                print(f"[{event_id}] Signal {data['name']} {data['taken']}")
            elif event == "log":
                # What happened besides progress: a wait's deadline passing, a worker's note.
                print(f"[{event_id}] Log {data['level']}: {data['message']}")
            elif event == "done":
                final_status = data["final_status"]
                print(f"[{event_id}] Done: {final_status}")
                break

        # 4. Fetch the result.
        _, result = call(base_url, "GET", f"/tasks/{task_id}/result", api_key=args.api_key)
        print("result: " + json.dumps(result["result"] if result["status"] == "completed" else result["error"]))
        return 0 if final_status == "completed" else 1
    except ApiError as error:
        print(f"API error: {error}", file=sys.stderr)
        return 2
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        print(f"cannot reach the api at {base_url}: {reason}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
