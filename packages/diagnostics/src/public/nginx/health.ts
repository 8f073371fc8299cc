// What the entry point exports of ../../nginx/health.ts: its other exports are internal (see index.ts).
export {
  checkHttp,
  type HttpCheck,
  nginxWorkers,
  publishedUrl,
  waitForNewWorkers,
} from '../../nginx/health.ts';
