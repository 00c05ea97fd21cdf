// Reference renderer for generate_cases.py: executes each case with Go's text/template the way Ollama configures it
// (missingkey=zero, a json function, a fixed currentDate) and records the output or the error text.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"text/template"
)

type tc struct {
	T string          `json:"t"`
	D json.RawMessage `json:"d"`
	E string          `json:"e"`
}

func main() {
	raw, _ := os.ReadFile(os.Args[1])
	var cases []tc
	if err := json.Unmarshal(raw, &cases); err != nil {
		panic(err)
	}
	funcs := template.FuncMap{
		"json": func(v any) string { b, _ := json.Marshal(v); return string(b) },
		"currentDate": func(args ...string) string { return "2026-01-15" },
	}
	for i := range cases {
		var data any
		if len(cases[i].D) > 0 {
			json.Unmarshal(cases[i].D, &data)
		}
		tmpl, err := template.New("").Option("missingkey=zero").Funcs(funcs).Parse(cases[i].T)
		if err != nil {
			cases[i].E = "!" + err.Error()
			continue
		}
		var b bytes.Buffer
		if err := tmpl.Execute(&b, data); err != nil {
			cases[i].E = "!" + err.Error()
			continue
		}
		cases[i].E = b.String()
	}
	out, _ := json.MarshalIndent(cases, "", " ")
	fmt.Println(string(out))
}
