import { describe, expect, it } from 'vitest';
import { type RecordedLog, recognisesRecordedLogs } from '../../../test/recorded-signatures.ts';
import { NGINX_SIGNATURES } from './nginx.ts';
import { recognise } from './recognise.ts';

// Each log was recorded from a real container on rootless podman 4.3 (nginx:stable test image) in that state.
const cases: RecordedLog[] = [
  [
    'PHX-LOG-NGINX-001',
    'nginx-bind-privileged-port',
    /^nginx: \[emerg\] bind\(\) to 0\.0\.0\.0:80 failed \(13: Permission denied\)$/,
  ],
  [
    'PHX-LOG-NGINX-002',
    'nginx-nonroot-temp-dir',
    /mkdir\(\) "\/var\/lib\/nginx\/body" failed \(13: Permission denied\)$/,
  ],
  [
    'PHX-LOG-NGINX-002',
    'nginx-nonroot-pid-file',
    /open\(\) "\/run\/nginx\.pid" failed \(13: Permission denied\)$/,
  ],
  [
    'PHX-LOG-NGINX-003',
    'nginx-conf-unreadable',
    /open\(\) "\/etc\/nginx\/conf\.d\/default\.conf" failed \(13: Permission denied\)/,
  ],
  ['PHX-LOG-NGINX-004', 'nginx-host-not-found', /host not found in upstream "phoenix-app"/],
  [
    'PHX-LOG-NGINX-005',
    'nginx-unknown-directive',
    /unknown directive "frobnicate" in \/etc\/nginx\/conf\.d\/default\.conf:3$/,
  ],
  ['PHX-LOG-NGINX-005', 'nginx-syntax-error', /unexpected "}" in \/etc\/nginx\/conf\.d\/default\.conf:5$/],
];

describe('nginx failure signatures (real logs)', () => {
  recognisesRecordedLogs(NGINX_SIGNATURES, cases);

  it('file and line of a configuration error are captured for the hint', () => {
    expect(recognise('nginx-syntax-error')?.groups).toEqual(['/etc/nginx/conf.d/default.conf', '5']);
  });
});
