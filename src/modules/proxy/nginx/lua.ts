/**
 * The nginx engine's balancer, in Lua (Debian's libnginx-mod-http-lua): each app's backends live in
 * a shared dictionary the router process updates over the control port, so a redeploy or a scale
 * changes no configuration and reloads nothing (a reload closes every idle keep-alive connection of
 * the old workers, and a client's request crossing that close fails). The configuration only
 * changes with apps, domains, access rules and certificates.
 *
 * Per request, one call into Lua, `balance()` (nginx's content phase, so after allow/deny and basic
 * auth): it reads the app's backends (parsed once per worker per value), exits with 503 when there
 * are none (marked: the server's error page for it is the "no processes" page), picks one round robin from
 * a per-worker turn, and on a refused connection the next one (every backend once at most, as the
 * Node router retries). Only an app with several backends keeps per-request state (`ngx.ctx`, for
 * the retries): measured with callgrind, the access-phase handler this replaced and the context
 * table were a tenth of the engine's instructions per request.
 */

/** The shared dictionary holding `app -> "host/port host/port ..."`; it survives graceful reloads. */
export const BACKENDS_DICT = "deis_backends";
export const BACKENDS_DICT_SIZE = "16m";
/** The control port's path the router posts backend changes to (with the token header). */
export const BACKENDS_PATH = "/backends";
export const TOKEN_HEADER = "x-deis-router-token";

/** A line of a backends update: the app and its backends, or the app alone (no backends left). */
export function backendsLine(app: string, backends: readonly { host: string; port: number }[]): string {
  return [app, ...backends.map((backend) => `${backend.host}/${backend.port}`)].join(" ");
}

/** True for names and hosts that can travel in an update line (no separators, no control characters). */
export function lineSafe(text: string): boolean {
  return /^[\x21-\x7e]+$/.test(text) && !text.includes("/");
}

/** The `init_by_lua_block` body: defines the `deis_router` module the configuration calls. */
export function luaInit(token: string): string {
  if (!/^[0-9a-f]{16,128}$/.test(token)) throw new Error("the router's control token must be hex");
  return `
    local balancer = require "ngx.balancer"
    local dict = ngx.shared.${BACKENDS_DICT}
    local parsed = {}
    local turns = {}
    local deis = {}
    -- The app's backends, parsed once per worker per value; nil when it has none.
    local function backends(app)
      local value = dict:get(app)
      if not value then return nil end
      local known = parsed[app]
      if not known or known.value ~= value then
        local list = {}
        for host, port in value:gmatch("(%S+)/(%d+)") do list[#list + 1] = { host, tonumber(port) } end
        known = { value = value, list = list }
        parsed[app] = known
      end
      if #known.list == 0 then return nil end
      return known.list
    end
    -- Sends the request to one backend.
    local function use(peer)
      local ok, err = balancer.set_current_peer(peer[1], peer[2])
      if not ok then
        ngx.log(ngx.ERR, "deis: backend ", peer[1], ":", peer[2], ": ", err)
        return ngx.exit(502)
      end
    end
    function deis.balance()
      if balancer.get_last_failure() then
        -- A retry (only asked for with more than one backend): the next one after the last tried.
        local c = ngx.ctx.deis
        local peer = c.list[(c.turn + c.tries - 1) % #c.list + 1]
        c.tries = c.tries + 1
        return use(peer)
      end
      local app = ngx.var.deis_app
      local list = backends(app)
      -- No processes: marked, the request ends here; the server's error page answers the "no processes" page.
      if not list then
        ngx.var.deis_no_backends = "1"
        return ngx.exit(503)
      end
      local count = #list
      local turn = (turns[app] or 0) + 1
      turns[app] = turn
      if count > 1 then
        balancer.set_more_tries(count - 1)
        ngx.ctx.deis = { list = list, turn = turn, tries = 1 }
      end
      return use(list[(turn - 1) % count + 1])
    end
    function deis.update()
      if ngx.req.get_method() ~= "POST" or ngx.var.http_${TOKEN_HEADER.replace(/-/g, "_")} ~= "${token}" then return ngx.exit(403) end
      ngx.req.read_body()
      local body = ngx.req.get_body_data()
      if not body then return ngx.exit(413) end
      for line in body:gmatch("[^\\n]+") do
        local app, rest = line:match("^(%S+) ?(.*)$")
        if app then
          if rest == "" then
            dict:delete(app)
          else
            local ok, err = dict:set(app, rest)
            if not ok then
              ngx.status = 507
              ngx.say("cannot keep the backends of ", app, ": ", err)
              return ngx.exit(507)
            end
          end
        end
      end
      ngx.say("ok")
    end
    deis_router = deis
  `;
}
