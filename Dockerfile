FROM python:3.11-slim
# bubblewrap sandboxes ansible-playbook (it needs user namespaces: where the
# container runtime forbids them, an admin may set ansible_allow_unsandboxed);
# sshpass lets Ansible log in with a password.
RUN apt-get update && apt-get install -y --no-install-recommends openssh-client \
    bubblewrap sshpass \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /srv/opsgraph
COPY pyproject.toml README.md schema.graphql ./
COPY app ./app
COPY worker ./worker
RUN pip install --no-cache-dir .
RUN useradd --system --home /srv/opsgraph opsgraph && chown -R opsgraph /srv/opsgraph
USER opsgraph
EXPOSE 8000
CMD ["opsgraph", "serve", "--host", "0.0.0.0"]
