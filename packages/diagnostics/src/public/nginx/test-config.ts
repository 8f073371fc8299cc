// What the entry point exports of ../../nginx/test-config.ts: its other exports are internal (see index.ts).
export { NGINX_CONF_D, type NginxTestResult, nginxRunAs, testNginxConfig } from '../../nginx/test-config.ts';
