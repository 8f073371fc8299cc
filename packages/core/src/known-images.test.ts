import { describe, expect, it } from 'vitest';
import { imageDefaults, parseImage } from './known-images.ts';

describe('parseImage', () => {
  it('drops the registry and digest, defaults the tag', () => {
    expect(parseImage('postgres')).toEqual({ path: ['postgres'], tag: 'latest' });
    expect(parseImage('docker.io/library/postgres:15')).toEqual({ path: ['library', 'postgres'], tag: '15' });
    expect(parseImage('localhost:5000/team/app:1.2@sha256:abc')).toEqual({
      path: ['team', 'app'],
      tag: '1.2',
    });
  });
});

describe('imageDefaults', () => {
  it('knows the official postgres and nginx images from any mirror', () => {
    expect(imageDefaults('postgres:15')?.owner).toEqual({ uid: 999, gid: 999 });
    expect(imageDefaults('docker.io/library/postgres:15')?.owner).toEqual({ uid: 999, gid: 999 });
    expect(imageDefaults('public.ecr.aws/docker/library/postgres:15-alpine3.20')?.owner).toEqual({
      uid: 70,
      gid: 70,
    });
    expect(imageDefaults('nginx:stable')?.owner).toEqual({ uid: 101, gid: 101 });
    expect(imageDefaults('nginx:stable')?.rootPaths).toEqual(['/var/log/nginx']);
  });

  it('does not guess for other images', () => {
    expect(imageDefaults(undefined)).toBeUndefined();
    expect(imageDefaults('bitnami/postgresql:15')).toBeUndefined();
    expect(imageDefaults('ghcr.io/someone/postgres:15')).toBeUndefined();
    expect(imageDefaults('nginxinc/nginx-unprivileged')).toBeUndefined();
  });
});
