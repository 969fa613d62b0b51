# Gradient Lab for self-hosting: `docker build -t gradlab . && docker run -p 8501:8501 gradlab`.
# Several replicas behind a proxy with session affinity: see deploy/nginx.conf and the README.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 gradlab \
    && mkdir -p /data && chown gradlab:gradlab /data && chmod 700 /data
WORKDIR /app

# Lesson links are signed with GRADLAB_SECRET: pass the same long random value to every replica
# (`docker run -e GRADLAB_SECRET=...`). Without it the app makes a secret on its first start and
# keeps it in GRADLAB_DATA_DIR (mount a volume there, or links stop verifying after a redeploy).
ENV GRADLAB_DATA_DIR=/data
VOLUME ["/data"]

# Dependencies first, so a code change does not reinstall them.
COPY requirements.txt .
RUN pip install -r requirements.txt

# The code stays owned by root: the app user can run it but not change it.
COPY . .
USER gradlab

EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4); sys.exit(0 if r.read().strip() == b'ok' else 1)"]

CMD ["streamlit", "run", "app.py", "--server.port", "8501", "--server.address", "0.0.0.0"]
