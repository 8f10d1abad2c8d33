import {
  DATAPLANE_ROUTES,
  matchDataplanePath,
  matchDataplaneTarget,
} from '../../server/wire/dataplane-routes.js';

describe('the dataplane route table', () => {
  test('eight path shapes: four actions, with and without a version', () => {
    const templates = DATAPLANE_ROUTES.flatMap((r) => r.templates);
    expect(templates).toHaveLength(8);
    for (const route of DATAPLANE_ROUTES) {
      const plain = matchDataplanePath(`/v2/models/m/${route.action}`);
      expect(plain).toEqual({
        route,
        ref: { name: 'm', version: undefined },
        template: `/v2/models/:name/${route.action}`,
        query: '',
      });
      const versioned = matchDataplanePath(`/v2/models/m/versions/3/${route.action}`);
      expect(versioned?.ref).toEqual({ name: 'm', version: '3' });
      expect(versioned?.template).toBe(`/v2/models/:name/versions/:version/${route.action}`);
    }
    expect(DATAPLANE_ROUTES.filter((r) => r.streaming).map((r) => r.action)).toEqual([
      'infer_stream',
      'generate_stream',
    ]);
  });

  test('segments are percent-decoded; a model may be called "versions"', () => {
    expect(matchDataplanePath('/v2/models/a%2Fb%20c/infer')?.ref).toEqual({
      name: 'a/b c',
      version: undefined,
    });
    expect(matchDataplanePath('/v2/models/m/versions/v%201/generate')?.ref).toEqual({
      name: 'm',
      version: 'v 1',
    });
    expect(matchDataplanePath('/v2/models/versions/infer')?.ref.name).toBe('versions');
  });

  test('anything else is left to the general router', () => {
    for (const path of [
      '/v2/models/m/infer/',
      '/V2/models/m/infer',
      '/v2/models/m/Infer',
      '/v2/models//infer',
      '/v2/models/m/versions//infer',
      '/v2/models/m/versions/infer',
      '/v2/models/m/version/1/infer',
      '/v2/models/m/ready',
      '/v2/models/m',
      '/v2/models/m/x/y/infer',
      '/v2/models/m/versions/1/x/infer',
      '/v2/models/%E0%A4%A/infer',
      '/v2/models/m/sessions/s/events',
      '/v2/health/live',
    ])
      expect([path, matchDataplanePath(path)]).toEqual([path, undefined]);
  });

  test('request targets: the query apart, also below root_path', () => {
    expect(matchDataplaneTarget('/v2/models/m/infer_stream?session_id=s1', '')).toMatchObject({
      ref: { name: 'm' },
      query: 'session_id=s1',
    });
    expect(matchDataplaneTarget('/api/v2/models/m/infer', '/api')?.ref.name).toBe('m');
    expect(matchDataplaneTarget('/v2/models/m/infer', '/api')?.ref.name).toBe('m');
    expect(matchDataplaneTarget('/apix/v2/models/m/infer', '/api')).toBeUndefined();
    expect(matchDataplaneTarget('/api/v2/models/m/infer', '')).toBeUndefined();
    // root_path "/v2" must not hide the routes themselves.
    expect(matchDataplaneTarget('/v2/models/m/infer', '/v2')?.ref.name).toBe('m');
  });
});
