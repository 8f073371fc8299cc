import { PhoenixError } from '@phoenix-hydra/core';
import { createPodman } from '@phoenix-hydra/podman-adapter';
import { describe, expect, it } from 'vitest';
import { fakeContext } from '../../test/doctor-fakes.ts';
import { DOCTOR_CHECKS } from './catalogue.ts';
import { finding } from './finding.ts';
import { type DoctorCheck, hasError, runDoctor } from './run-doctor.ts';

const entry = { title: 't', severity: 'warning', why: 'w' } as const;
const check = (id: string, run: DoctorCheck['run']): DoctorCheck => ({ id, ...entry, run });

describe('runDoctor', () => {
  it('turns a throwing check into a finding of its own and still runs the others', async () => {
    const ctx = fakeContext();
    const report = await runDoctor(ctx, [
      check('PHX-A-001', async () => {
        throw new PhoenixError('PODMAN_FAILED', 'podman volume inspect failed: boom', {
          hint: 'podman info',
        });
      }),
      check('PHX-B-001', async function (this: DoctorCheck) {
        return [finding(this, { severity: 'error', message: 'broken' })];
      }),
      check('PHX-C-001', async () => []),
    ]);
    expect(report.findings.map((f) => [f.check, f.severity])).toEqual([
      ['PHX-B-001', 'error'],
      ['PHX-DOCTOR-002', 'warning'],
    ]);
    expect(report.findings[1]?.message).toBe('PHX-A-001 (t): podman volume inspect failed: boom');
    expect(report.findings[1]?.hint).toBe('podman info');
    expect(report.passed).toEqual(['PHX-C-001']);
    expect(hasError(report)).toBe(true);
  });

  it('stops waiting for a check after its time limit', async () => {
    const ctx = fakeContext({ settings: { checkTimeoutMs: 50 } });
    const started = Date.now();
    const report = await runDoctor(ctx, [check('PHX-SLOW-001', () => new Promise(() => {}))]);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(report.findings[0]).toMatchObject({
      check: 'PHX-DOCTOR-001',
      message: /PHX-SLOW-001 .*no answer in 0.05 s/,
    });
  });

  it('reports podman missing once, as PHX-PODMAN-001, and skips what needs podman', async () => {
    // A real failed spawn, as on a host without podman.
    const podman = createPodman({ bin: '/nonexistent/podman' });
    const ctx = fakeContext({ info: () => podman.info() });
    const report = await runDoctor(ctx, DOCTOR_CHECKS, { only: ['PHX-PODMAN-001', 'phx-storage-001'] });
    expect(report.findings.map((f) => [f.check, f.severity, f.status])).toEqual([
      ['PHX-PODMAN-001', 'error', 'fail'],
      ['PHX-STORAGE-001', 'info', 'skip'],
    ]);
    expect(report.findings[0]?.message).toMatch(/podman cannot be run \(\/nonexistent\/podman: ENOENT\)/);
    expect(report.findings[0]?.hint).toMatch(/apt-get install podman uidmap/);
    expect(report.findings[1]?.message).toMatch(/not checked: podman cannot be run \(see PHX-PODMAN-001\)/);
  });

  it('has unique, stable ids', () => {
    const ids = DOCTOR_CHECKS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^PHX-[A-Z]+-\d{3}$/);
  });
});
