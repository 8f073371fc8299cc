/**
 * A large compose file shaped like a real one: each service has an image, a user, a named volume and a
 * read-only bind, an environment with interpolated values and a few `x-` keys; each top-level volume
 * is a bind (`driver_opts: { type: none, o: bind, device: … }`) with `x-phoenix` settings.
 */
export function largeCompose(services: number, dataRoot = '/srv/phx-bench'): string {
  const kinds = ['data', 'config', 'logs', 'data'];
  const lines = [
    'name: phx-bench-large',
    'x-logging: &logging',
    '  driver: json-file',
    '  options: { max-size: 10m, max-file: "3" }',
    'services:',
  ];
  for (let index = 0; index < services; index += 1) {
    lines.push(
      `  svc${index}:`,
      `    image: registry.example.com/team/app-${index % 50}:\${TAG:-1.${index % 7}.0}`,
      `    user: "${1000 + (index % 100)}:${1000 + (index % 100)}"`,
      '    restart: unless-stopped',
      '    logging: *logging',
      '    environment:',
      `      APP_NAME: svc${index}`,
      `      APP_ENV: \${APP_ENV:-production}`,
      `      DATABASE_URL: postgres://app:\${DB_PASSWORD:-secret}@db${index % 10}:5432/app${index}`,
      '      LOG_LEVEL: info',
      '    volumes:',
      `      - vol${index}:/var/lib/app:Z`,
      '      - ./conf:/etc/app:ro',
      '    x-owner: platform-team',
      `    x-tier: ${index % 3 === 0 ? 'frontend' : 'backend'}`,
      '    x-notes: { on-call: "#platform", runbook: "https://wiki.example.com/runbooks/app" }',
    );
  }
  lines.push('volumes:');
  for (let index = 0; index < services; index += 1) {
    lines.push(
      `  vol${index}:`,
      '    driver: local',
      `    driver_opts: { type: none, o: bind, device: "${dataRoot}/vol${index}" }`,
      `    x-phoenix: { kind: ${kinds[index % kinds.length]}, mode: "0750", backup: archive }`,
    );
  }
  return `${lines.join('\n')}\n`;
}
