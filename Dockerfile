FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY hub ./hub
RUN pip install --no-cache-dir .

RUN useradd --system --create-home hub && mkdir -p /data && chown hub /data
USER hub
ENV HUB_DATA_DIR=/data HUB_HOST=0.0.0.0 HUB_PORT=8000

EXPOSE 8000
CMD ["hub", "serve"]
