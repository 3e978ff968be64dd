"""One Locust user in-process, plain ``HttpUser`` or postrun's, for counting what a request costs.

``python -m benchmarks.load --instructions`` runs this under callgrind (benchmarks/instructions.py)
for two request counts; the difference over the difference is the instructions one request of
one Locust worker costs, start-up and warm-up taken out, steady on a busy machine. The user is
driven directly (no spawning, no wait), with Locust's own statistics hooked up as in a run.
Usage: ``python -m benchmarks.load_worker plain|postrun REQUESTS BASE_URL COLLECTION``.
"""

import locust  # noqa: F401, I001  (first: gevent patches the standard library before the rest)

import argparse
import os
import pickle
import sys
import tempfile
import time
from pathlib import Path

from locust import HttpUser, constant, task
from locust.env import Environment

WARM_UP = 100  # passes before counting: connections, caches, first imports


class Plain(HttpUser):
    """benchmarks/load.py's hand-written user, the same checked POST."""

    wait_time = constant(0)

    @task
    def chat(self) -> None:
        body = {
            "model": "gpt-3.5-turbo",
            "messages": [{"role": "user", "content": "Hello number 1"}],
            "temperature": 0.7,
        }
        with self.client.post(
            "/v1/chat/completions",
            json=body,
            headers={"Authorization": f"Bearer {os.environ['BENCH_TOKEN']}"},
            name="chat 1",
            catch_response=True,
        ) as response:
            data = response.json()
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
            elif data["object"] != "chat.completion":
                response.failure("object")
            elif data["choices"][0]["message"]["role"] != "assistant":
                response.failure("role")


def postrun_user(collection: Path) -> type[HttpUser]:
    """PostrunUser, its setup written as ``postrun load`` writes it for its Locust child."""
    from runner.engine import RunOptions, plan_run
    from runner.load.setup import SETUP_DIR, LoadSetup
    from runner.loader import load_collection

    plan = plan_run([load_collection(collection)], RunOptions(environ=dict(os.environ)))
    folder = Path(tempfile.mkdtemp(prefix="postrun-load-worker-"))
    with open(folder / "setup.pickle", "wb") as file:
        pickle.dump(LoadSetup(plan, allow_remote=False, prefixed=False), file)
    os.environ[SETUP_DIR] = str(folder)
    from runner.load.locust_user import PostrunUser

    return PostrunUser


def main() -> None:
    """Run the user for WARM_UP and then REQUESTS passes; print the CPU time a request."""
    kind, requests, host, collection = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    user_class = Plain if kind == "plain" else postrun_user(Path(collection))
    user_class.host = host
    environment = Environment(user_classes=[user_class], host=host)
    environment.create_local_runner()  # hooks Locust's statistics to the request event
    environment.parsed_options = argparse.Namespace(postrun_iterations=0)
    user = user_class(environment)
    user.on_start()
    step = user.chat if isinstance(user, Plain) else user.run_pass
    for _ in range(WARM_UP):
        step()
    started = time.process_time()
    for _ in range(requests):
        step()
    spent = time.process_time() - started
    total = environment.stats.total
    print(f"{kind}: {spent / max(requests, 1) * 1e6:.0f} µs CPU a request, "
          f"{total.num_requests} requests, {total.num_failures} failures")  # fmt: skip


if __name__ == "__main__":
    main()
