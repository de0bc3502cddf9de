// Command conformance judges the emulator with Cloudflare's own Go client.
//
// It makes every call the provider (pulumi-cloudflare 6, i.e. terraform-provider-cloudflare v5)
// makes for breeze-infra's resources, with the exact values the program sends (read as JSON on
// stdin), against CLOUDFLARE_BASE_URL. Bodies go out as the provider sends them
// (account_token/custom.go MarshalCustom: the policy's resources text raw, as an object);
// every answer must decode into cloudflare-go's types with no field invalid, and the
// fields breeze-infra relies on must be present. One line per call: "ok <call>" or
// "FAIL <call>: <why>"; exit 1 when any failed. Nothing here prints a token's value.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/cloudflare/cloudflare-go/v6"
	"github.com/cloudflare/cloudflare-go/v6/accounts"
	"github.com/cloudflare/cloudflare-go/v6/ai_gateway"
	"github.com/cloudflare/cloudflare-go/v6/option"
	"github.com/cloudflare/cloudflare-go/v6/user"
)

// Values are what the program sends, computed by breeze-infra itself (tests/e2e/test_conformance.py).
type Values struct {
	AccountID  string            `json:"account_id"`
	GroupNames []string          `json:"group_names"`
	Token      map[string]any    `json:"token"`
	Renamed    string            `json:"renamed"`
	Gateway    map[string]any    `json:"gateway"`
	Resources  []string          `json:"resources"`
	Extra      map[string]string `json:"extra"`
}

type exchange struct {
	method, path, rawQuery string
	body                   []byte
}

type recorder struct{ last exchange }

func (r *recorder) middleware(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
	res, err := next(req)
	if err != nil {
		return res, err
	}
	body, readErr := io.ReadAll(res.Body)
	res.Body.Close()
	if readErr != nil {
		return nil, readErr
	}
	res.Body = io.NopCloser(bytes.NewReader(body))
	r.last = exchange{req.Method, req.URL.Path, req.URL.RawQuery, body}
	return res, nil
}

type fieldStatus interface {
	IsInvalid() bool
	IsMissing() bool
}

// invalid lists every field of v's JSON metadata that did not decode into the client's type.
func invalid(v reflect.Value, path string) []string {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	var found []string
	switch v.Kind() {
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			found = append(found, invalid(v.Index(i), fmt.Sprintf("%s[%d]", path, i))...)
		}
	case reflect.Struct:
		meta := v.FieldByName("JSON")
		if meta.IsValid() && meta.Kind() == reflect.Struct {
			for i := 0; i < meta.NumField(); i++ {
				f := meta.Type().Field(i)
				if !f.IsExported() {
					continue
				}
				if s, ok := meta.Field(i).Interface().(fieldStatus); ok && s.IsInvalid() {
					found = append(found, path+"."+f.Name)
				}
			}
		}
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if f.IsExported() && f.Name != "JSON" {
				found = append(found, invalid(v.Field(i), path+"."+f.Name)...)
			}
		}
	}
	return found
}

// present fails unless each named field of v's JSON metadata came in the answer.
func present(v any, names ...string) error {
	meta := reflect.Indirect(reflect.ValueOf(v)).FieldByName("JSON")
	var missing []string
	for _, name := range names {
		s, ok := meta.FieldByName(name).Interface().(fieldStatus)
		if !ok || s.IsMissing() {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing %s", strings.Join(missing, ", "))
	}
	return nil
}

type run struct {
	rec    *recorder
	failed bool
}

func (r *run) check(call string, result any, err error, more ...func() error) {
	if err == nil {
		if bad := invalid(reflect.ValueOf(result), "result"); len(bad) > 0 {
			err = fmt.Errorf("answer does not decode into cloudflare-go's types: %s", strings.Join(bad, ", "))
		}
	}
	if err == nil {
		err = envelope(r.rec.last.body)
	}
	for _, f := range more {
		if err == nil {
			err = f()
		}
	}
	if err != nil {
		r.failed = true
		fmt.Printf("FAIL %s: %s\n", call, strings.ReplaceAll(err.Error(), "\n", " "))
		return
	}
	fmt.Printf("ok %s\n", call)
}

// envelope checks the v4 envelope's required members (errors, messages, success).
func envelope(body []byte) error {
	var env map[string]json.RawMessage
	if err := json.Unmarshal(body, &env); err != nil {
		return fmt.Errorf("answer is not a JSON object: %v", err)
	}
	for _, key := range []string{"errors", "messages", "success"} {
		if _, ok := env[key]; !ok {
			return fmt.Errorf("envelope lacks %q", key)
		}
	}
	if string(env["success"]) != "true" {
		return fmt.Errorf("success is %s", env["success"])
	}
	return nil
}

// rawResources is each policy's resources text in the last answer, as the provider stores it.
func (r *run) rawResources() ([]string, error) {
	var env struct {
		Result struct {
			Policies []struct {
				Resources json.RawMessage `json:"resources"`
			} `json:"policies"`
		} `json:"result"`
	}
	if err := json.Unmarshal(r.rec.last.body, &env); err != nil {
		return nil, err
	}
	var texts []string
	for _, p := range env.Result.Policies {
		texts = append(texts, string(p.Resources))
	}
	return texts, nil
}

func (r *run) sameResources(want []string) func() error {
	return func() error {
		got, err := r.rawResources()
		if err != nil {
			return err
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			return fmt.Errorf("resources text in the answer %q differs from the program's %q (the provider stores the answer's text)", got, want)
		}
		return nil
	}
}

// body is the provider's request body: the program's token with resources sent raw.
func body(token map[string]any, name string) []byte {
	copied := map[string]any{}
	for k, v := range token {
		copied[k] = v
	}
	if name != "" {
		copied["name"] = name
	}
	var policies []map[string]any
	raw, _ := json.Marshal(token["policies"])
	_ = json.Unmarshal(raw, &policies)
	for _, p := range policies {
		p["resources"] = json.RawMessage(p["resources"].(string))
	}
	copied["policies"] = policies
	out, _ := json.Marshal(copied)
	return out
}

func main() {
	var values Values
	if err := json.NewDecoder(os.Stdin).Decode(&values); err != nil {
		fmt.Fprintln(os.Stderr, "conformance: values on stdin:", err)
		os.Exit(2)
	}
	base := strings.TrimRight(os.Getenv("CLOUDFLARE_BASE_URL"), "/") + "/"
	rec := &recorder{}
	r := &run{rec: rec}
	newClient := func(token string) *cloudflare.Client {
		return cloudflare.NewClient(
			option.WithAPIToken(token),
			option.WithBaseURL(base),
			option.WithMaxRetries(0),
			option.WithRequestTimeout(30*time.Second),
			option.WithMiddleware(rec.middleware),
		)
	}
	client := newClient(os.Getenv("CLOUDFLARE_API_TOKEN"))
	ctx := context.Background()
	account := cloudflare.F(values.AccountID)

	for _, name := range values.GroupNames {
		page, err := client.Accounts.Tokens.PermissionGroups.List(ctx, accounts.TokenPermissionGroupListParams{AccountID: account, Name: cloudflare.F(name)})
		r.check("account permission groups "+name, page, err, func() error {
			for _, g := range page.Result {
				if g.Name == name {
					return present(&g, "ID", "Name", "Scopes")
				}
			}
			return fmt.Errorf("no group named %q in the answer (query sent: %s)", name, rec.last.rawQuery)
		})
		userPage, err := client.User.Tokens.PermissionGroups.List(ctx, user.TokenPermissionGroupListParams{Name: cloudflare.F(name)})
		r.check("user permission groups "+name, userPage, err, func() error {
			for _, g := range userPage.Result {
				if g.Name == name {
					return nil
				}
			}
			return fmt.Errorf("no group named %q in the answer", name)
		})
	}

	// Account token: create, get, list, update, verify, delete.
	created, err := client.Accounts.Tokens.New(ctx, accounts.TokenNewParams{AccountID: account}, option.WithRequestBody("application/json", body(values.Token, "")))
	r.check("account token create", created, err, r.sameResources(values.Resources), func() error {
		return present(created, "ID", "Name", "Policies", "Status", "Value", "ExpiresOn", "IssuedOn")
	})
	if err == nil {
		got, err := client.Accounts.Tokens.Get(ctx, created.ID, accounts.TokenGetParams{AccountID: account})
		r.check("account token get", got, err, r.sameResources(values.Resources), func() error { return present(got, "ID", "Name", "Policies", "Status") })
		listed, err := client.Accounts.Tokens.List(ctx, accounts.TokenListParams{AccountID: account})
		r.check("account token list", listed, err)
		updated, err := client.Accounts.Tokens.Update(ctx, created.ID, accounts.TokenUpdateParams{AccountID: account}, option.WithRequestBody("application/json", body(values.Token, values.Renamed)))
		r.check("account token update", updated, err, r.sameResources(values.Resources), func() error {
			if updated.Name != values.Renamed {
				return fmt.Errorf("name after update is %q", updated.Name)
			}
			return nil
		})
		verified, err := newClient(created.Value).Accounts.Tokens.Verify(ctx, accounts.TokenVerifyParams{AccountID: account})
		r.check("account token verify", verified, err, func() error { return present(verified, "ID", "Status") })
		deleted, err := client.Accounts.Tokens.Delete(ctx, created.ID, accounts.TokenDeleteParams{AccountID: account})
		r.check("account token delete", deleted, err)
	}

	// User token: the same calls on /user/tokens.
	userToken := map[string]any{}
	for k, v := range values.Token {
		userToken[k] = v
	}
	made, err := client.User.Tokens.New(ctx, user.TokenNewParams{}, option.WithRequestBody("application/json", body(userToken, "")))
	r.check("user token create", made, err, r.sameResources(values.Resources), func() error { return present(made, "ID", "Name", "Value", "Status") })
	if err == nil {
		got, err := client.User.Tokens.Get(ctx, made.ID)
		r.check("user token get", got, err, r.sameResources(values.Resources))
		listed, err := client.User.Tokens.List(ctx, user.TokenListParams{})
		r.check("user token list", listed, err)
		updated, err := client.User.Tokens.Update(ctx, made.ID, user.TokenUpdateParams{}, option.WithRequestBody("application/json", body(userToken, values.Renamed)))
		r.check("user token update", updated, err, r.sameResources(values.Resources))
		verified, err := newClient(made.Value).User.Tokens.Verify(ctx)
		r.check("user token verify", verified, err, func() error { return present(verified, "ID", "Status") })
		deleted, err := client.User.Tokens.Delete(ctx, made.ID)
		r.check("user token delete", deleted, err)
	}

	// AI Gateway: create, get, update, delete, with the program's settings as the provider sends them.
	gatewayBody, _ := json.Marshal(values.Gateway)
	gatewayID, _ := values.Gateway["id"].(string)
	gw, err := client.AIGateway.New(ctx, ai_gateway.AIGatewayNewParams{AccountID: account}, option.WithRequestBody("application/json", gatewayBody))
	r.check("gateway create", gw, err, func() error { return present(gw, "ID", "RateLimitingLimit", "RateLimitingInterval", "CollectLogs", "CacheTTL") })
	if err == nil {
		got, err := client.AIGateway.Get(ctx, gatewayID, ai_gateway.AIGatewayGetParams{AccountID: account})
		r.check("gateway get", got, err, func() error {
			if got.RateLimitingLimit != int64(values.Gateway["rate_limiting_limit"].(float64)) {
				return fmt.Errorf("rate limit read back %d", got.RateLimitingLimit)
			}
			return present(got, "ID", "RateLimitingLimit", "CollectLogs", "CacheTTL")
		})
		upd, err := client.AIGateway.Update(ctx, gatewayID, ai_gateway.AIGatewayUpdateParams{AccountID: account}, option.WithRequestBody("application/json", gatewayBody))
		r.check("gateway update", upd, err)
		del, err := client.AIGateway.Delete(ctx, gatewayID, ai_gateway.AIGatewayDeleteParams{AccountID: account})
		r.check("gateway delete", del, err)
	}

	if r.failed {
		os.Exit(1)
	}
}
