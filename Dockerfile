# gymsite: one image for the web (daphne), the Celery worker and Celery Beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    GYMSITE_VAR_DIR=/app/var

WORKDIR /app

# Dependencies first (their own layer), at the versions CI tested (constraints.txt).
COPY pyproject.toml constraints.txt ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -c constraints.txt -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .

# Static files for the admin; the throwaway key only lets settings load during the build.
RUN SECRET_KEY=collectstatic-only DEBUG=0 python manage.py collectstatic --noinput --verbosity 0 \
    && useradd --system --create-home --uid 1000 gymsite \
    && mkdir -p /app/var/media \
    && chown -R gymsite:gymsite /app/var

USER gymsite
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/api/health', timeout=8).status != 200)"

CMD ["python", "-m", "gymsite.core.server", "--bind", "0.0.0.0", "--port", "8000", "--proxy-headers", "gymsite.asgi:application"]
