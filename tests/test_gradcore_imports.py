"""gradcore is usable without the dashboard: importing it loads neither streamlit nor plotly."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_gradcore_imports_without_streamlit_or_plotly():
    """In a fresh interpreter, `import gradcore` leaves streamlit and plotly out of sys.modules."""
    code = ("import sys, gradcore; "
            "loaded = [m for m in ('streamlit', 'plotly') if m in sys.modules]; "
            "print(','.join(loaded) or 'clean'); "
            "assert gradcore.parse_expression('x^2').gradient([3.0])[0] == 6.0")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "clean"
