"""Where the embedded Celery broker (kombu's filesystem transport) keeps its files.

Pure function, no Django imports: settings use it, and so do tests that start their own
worker on a var/ directory of their own."""

from pathlib import Path

FOLDERS = ("queue", "processed", "control")


def filesystem_transport_options(broker_dir: Path) -> dict:
    for folder in FOLDERS:
        (broker_dir / folder).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(broker_dir / "queue"),
        "data_folder_out": str(broker_dir / "queue"),
        "processed_folder": str(broker_dir / "processed"),
        # Broadcast messages (worker control, pidbox) go to kombu's control folder, which
        # otherwise defaults to ./control in whatever directory the process started in.
        "control_folder": str(broker_dir / "control"),
        "store_processed": False,
    }
