"""The regression page's loss and optimizer in a real browser: a teacher's link with MAE and
momentum opens that run, a step shows the engine's number, the update is written out, and the
"Python script" download repeats the run."""

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import expect

from gradcore import Standardizer, fit, load_bundled
from tests.e2e.browser import (
    metric_values,
    open_page,
    page_problems,
    wait_metric_change,
    wait_ready,
)

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]

FORWARD = ".st-key-k_forward button"
SCRIPT_BUTTON = "Download the run as a Python script"
DOWNLOADS = "Downloads: trajectory, Python script, data"


def open_downloads(page) -> None:
    """Open the downloads box (its buttons are made only once it is open), as a student
    would: click its line, then wait for the script button."""
    page.get_by_text(DOWNLOADS, exact=True).click()
    expect(page.get_by_role("button", name=SCRIPT_BUTTON)).to_be_visible()
LINK = "/linear-regression?loss=mae&opt=momentum&mom=0.8&lr=0.05&sched=1%2Fsqrt%28k%29"


def expected_run():
    """The same run by gradcore directly: tips, tip ~ total_bill, standardised."""
    frame = load_bundled("tips")
    X = Standardizer.fit(frame[["total_bill"]].to_numpy()).transform(
        frame[["total_bill"]].to_numpy())
    return fit(X, frame["tip"].to_numpy(), loss="mae", optimizer="momentum", momentum=0.8,
               learning_rate=0.05, schedule="1/sqrt(k)", w0=np.zeros(1))


def test_a_mae_momentum_link_steps_and_downloads_its_script(page, app_server):
    """Open the link, step forward twice: w and the loss are the engine's; the script's
    settings are the run's."""
    open_page(page, app_server.url + LINK)
    start = metric_values(page)
    assert start["step k"].startswith("0 of ")
    run = expected_run()
    assert start["step k"] == f"0 of {run.steps_taken}"
    page.locator(FORWARD).click()
    wait_metric_change(page, "step k", start["step k"])
    one = metric_values(page)
    page.locator(FORWARD).click()
    wait_metric_change(page, "step k", one["step k"])
    shown = metric_values(page)
    assert shown["step k"] == f"2 of {run.steps_taken}"
    assert shown["w (standardised units)"] == f"{run.w[2, 0]:.6g}"
    assert shown["loss L(w, b)"] == f"{run.loss[2]:.6g}"
    page.get_by_role("tab", name="Gradient").click()  # the gradient and update written out
    expect(page).to_have_url(re.compile(r"[?&]tab=gradient(&|$)"))
    wait_ready(page)
    expect(page.get_by_text("sign(0) = 0", exact=False).first).to_be_visible()
    expect(page.get_by_text("momentum (heavy ball), step 2 → 3", exact=False)).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]k=2(&|$)"))
    expect(page).to_have_url(re.compile(r"[?&]opt=momentum(&|$)"))
    open_downloads(page)
    with page.expect_download() as download_info:
        page.get_by_role("button", name=SCRIPT_BUTTON).click()
    download = download_info.value
    assert download.suggested_filename == "gradient_descent_tips.py"
    with open(download.path(), encoding="utf-8") as handle:
        script = handle.read()
    settings = next(json.loads(node.value.args[0].value) for node in ast.walk(ast.parse(script))
                    if isinstance(node, ast.Assign)
                    and getattr(node.targets[0], "id", "") == "SETTINGS")
    assert (settings["loss"], settings["optimizer"], settings["schedule"]) == (
        "mae", "momentum", "1/sqrt(k)")
    assert settings["optimizer_settings"]["momentum"] == 0.8 and settings["learning_rate"] == 0.05
    assert page_problems(page) == []


RACE_LINK = ("/linear-regression?onehot=true&feats=total_bill&feats=sex_Male&feats=smoker_Yes"
             "&loss=huber&lr=0.05&steps=300&race=adam")


def test_a_one_hot_race_link_races_and_its_script_repeats_the_run(page, app_server, tmp_path):
    """tips with its text columns one-hot encoded (sex_Male, smoker_Yes), the Huber loss,
    gradient descent raced against Adam: the race shows both, and the downloaded script, run
    on the bundled CSV with python, prints the (w, b) gradcore computes for that run."""
    open_page(page, app_server.url + RACE_LINK)
    expect(page.get_by_text("Race: gradient descent vs Adam")).to_be_visible()
    expect(page.get_by_text("Loss against step, every optimizer")).to_be_visible()
    # Each racer's stop message, one list item each.
    expect(page.get_by_role("listitem").filter(has_text=re.compile(r"^Adam: "))).to_be_visible()
    expect(page.get_by_role("listitem").filter(
        has_text=re.compile(r"^gradient descent: "))).to_be_visible()
    assert page_problems(page) == []
    open_downloads(page)
    with page.expect_download() as download_info:
        page.get_by_role("button", name=SCRIPT_BUTTON).click()
    script = tmp_path / "run.py"
    download_info.value.save_as(script)
    result = subprocess.run([sys.executable, str(script), str(ROOT / "data" / "tips.csv")],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr  # the same table as the page's
    printed = json.loads(result.stdout.strip().splitlines()[-1])
    frame = load_bundled("tips", encode_text=True)
    features = ["total_bill", "sex_Male", "smoker_Yes"]
    X, y = frame[features].to_numpy(), frame["tip"].to_numpy()
    scaler = Standardizer.fit(X)
    run = fit(scaler.transform(X), y, loss="huber", learning_rate=0.05, steps=300)
    w, b = scaler.to_original(*run.final)
    np.testing.assert_allclose(np.append(printed["w"], printed["b"]), np.append(w, b),
                               rtol=1e-9, atol=1e-9)
