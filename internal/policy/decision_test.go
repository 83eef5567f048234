package policy

import (
	"encoding/json"
	"testing"
)

func TestEnumNames(t *testing.T) {
	if ResultReportOnlyInterrupted.String() != "reportOnlyInterrupted" || ResultUnknown.String() != "unknown" || Result(200).String() != "unknown" {
		t.Error("Result names")
	}
	if ReasonAuthenticationFlow.String() != "authenticationFlow" || ReasonNotSet.String() != "notSet" || AnalysisReason(200).String() != "unknownFutureValue" {
		t.Error("AnalysisReason names")
	}
	if len(resultNames) != int(ResultReportOnlyNotApplied)+1 || len(reasonNames) != int(ReasonAuthenticationFlow)+1 {
		t.Error("name tables out of step with the constants")
	}
	b, err := json.Marshal(map[string]any{"result": ResultReportOnlyFailure, "analysisReasons": ReasonDevicePlatform})
	if err != nil || string(b) != `{"analysisReasons":"devicePlatform","result":"reportOnlyFailure"}` {
		t.Errorf("JSON = %s, %v", b, err)
	}
}
