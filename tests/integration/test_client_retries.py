"""The client retries UNAVAILABLE, so a server that comes up a moment late loses no call."""

from __future__ import annotations

import socket
import threading
import time

from customer_core.api.server import RunningServer
from customer_core.client import Client
from tests.integration.conftest import start_server


def test_call_made_while_the_server_is_starting_succeeds(database_url: str, token: str) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started: list[RunningServer] = []

    def start_late() -> None:
        time.sleep(1.0)
        started.append(start_server(database_url, port=port))

    thread = threading.Thread(target=start_late)
    thread.start()
    try:
        with Client(f"127.0.0.1:{port}", token=token, timeout=20) as client:
            customer = client.create_customer(
                type="individual", owning_org_unit="HO01", display_name="Early Bird"
            )
            assert client.get_customer(customer.customer_number).display_name == "Early Bird"
    finally:
        thread.join()
        for running in started:
            running.stop(grace=1)
